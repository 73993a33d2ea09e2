// No Docker engine runs on the dev machines or in CI, so the `assembler` target of deploy/Dockerfile
// is checked by reading it: the file its ENTRYPOINT runs is one `npm run build` emits and the stage
// copies, everything that file loads at run time is in the image, and it runs as a numeric non-root user.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix, relative, resolve } from 'node:path';

import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const DOCKERFILE = 'deploy/Dockerfile';
const TARGET = 'assembler';
const CLI_SOURCE = 'deploy/assembler/src/main.ts';

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name: string;
  /** What FROM names: an image, or an earlier stage this one continues. */
  parent: string;
  instructions: Instruction[];
}

/** Instructions per stage: continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [, parent, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args.trim())!;
      stages.push({ name: name ?? String(stages.length), parent, instructions: [] });
    }
    stages.at(-1)?.instructions.push({ keyword: upper, args: args.trim() });
  }
  return stages;
}

const stages = parseDockerfile(readFileSync(join(ROOT, DOCKERFILE), 'utf8'));
const assembler = stages.find((s) => s.name === TARGET)!;
/** The last `keyword` instruction in effect in a stage: its own, or the stage it continues. */
const last = (stage: Stage, keyword: string): Instruction | undefined => {
  const own = stage.instructions.filter((i) => i.keyword === keyword).at(-1);
  const parent = stages.find((s) => s.name === stage.parent);
  return own ?? (parent && last(parent, keyword));
};
const workdirOf = (stage: Stage) => last(stage, 'WORKDIR')?.args ?? '/';
const entrypoint = JSON.parse(last(assembler, 'ENTRYPOINT')?.args ?? 'null') as string[] | null;

/** `COPY [--from=X] SRC… DEST` of a stage, paths made absolute against its WORKDIR. */
function copies(stage: Stage): { from: string | null; sources: string[]; destination: string }[] {
  const workdir = workdirOf(stage);
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length) ?? null;
      const paths = words.filter((w) => !w.startsWith('--'));
      return { from, sources: paths.slice(0, -1), destination: posix.resolve(workdir, paths.at(-1)!) };
    });
}

/** The JavaScript files tsc writes for a source with the build's tsconfig, relative to the repository. */
function buildOutputsOf(source: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.build.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  const file = join(ROOT, source);
  if (!parsed.fileNames.map((f) => resolve(f)).includes(file)) return [];
  return ts.getOutputFileNames(parsed, file, false).map((f) => relative(ROOT, f).split('\\').join('/'));
}

/** What a compiled module requires at run time (type-only imports are gone), found by transpiling it as the build does. */
function runtimeImportsOf(file: string): string[] {
  const output = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, isolatedModules: true },
  }).outputText;
  return [...output.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
}

/** Every bare module the CLI loads, following its relative imports (and `@stagecraft/*` libs) through the sources. */
function packagesLoadedBy(entry: string): Set<string> {
  const aliases = JSON.parse(readFileSync(join(ROOT, 'tsconfig.base.json'), 'utf8')).compilerOptions.paths as Record<
    string,
    string[]
  >;
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of runtimeImportsOf(file)) {
      if (specifier.startsWith('.')) {
        const base = resolve(dirname(file), specifier);
        visit([`${base}.ts`, join(base, 'index.ts')].find(existsSync)!);
      } else if (aliases[specifier]) {
        packages.add(specifier);
        visit(join(ROOT, aliases[specifier][0]));
      } else {
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
      }
    }
  };
  visit(join(ROOT, entry));
  return packages;
}

describe(`${DOCKERFILE}, target ${TARGET} (read, not built: no Docker engine here)`, () => {
  it('has a build stage running `npm run build` and installs without scripts', () => {
    const build = stages.find((s) => s.name === 'build');
    expect(build?.instructions.some((i) => i.keyword === 'RUN' && i.args === 'npm run build')).toBe(true);
    const installs = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(i.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install.args).toMatch(/\bnpm ci\b.*--ignore-scripts/);
  });

  it('ENTRYPOINT runs, in exec form, the file `npm run build` emits for the CLI, which the stage copies', () => {
    expect(entrypoint).toEqual(['node', expect.stringMatching(/^\//)]);
    const script = entrypoint![1];
    const built = buildOutputsOf(CLI_SOURCE).find((f) => f.endsWith('.js'));
    expect(built).toBe('dist/deploy/assembler/src/main.js');
    const buildWorkdir = workdirOf(stages.find((s) => s.name === 'build')!);
    const copied = copies(assembler).find(
      (c) =>
        c.from === 'build' &&
        c.sources.length === 1 &&
        script.startsWith(`${c.destination}/`) &&
        posix.join(c.sources[0], posix.relative(c.destination, script)) === posix.join(buildWorkdir, built!),
    );
    expect(copied).toBeDefined();
  });

  it('has in the image every package the CLI loads at run time (production dependencies, compiled libs)', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const destinations = copies(assembler).map((c) => `${c.from ?? 'context'}:${c.destination}`);
    expect(destinations).toEqual(expect.arrayContaining(['prod-deps:/app/node_modules', 'build:/app/dist/libs']));
    const builtins = new Set(builtinModules);
    const loaded = [...packagesLoadedBy(CLI_SOURCE)];
    expect(loaded).toContain('tar-stream');
    const missing = loaded.filter(
      (name) =>
        !name.startsWith('node:') && !builtins.has(name) && !name.startsWith('@stagecraft/') && !manifest.dependencies[name],
    );
    expect(missing).toEqual([]);
    // The libs the CLI loads through `@stagecraft/*` resolve through dist/node_modules, which must come along.
    if (loaded.some((name) => name.startsWith('@stagecraft/'))) {
      expect(destinations).toContain('build:/app/dist/node_modules');
    }
  });

  it('leaves the app image the default target: the assembler is not the last stage', () => {
    expect(stages.at(-1)?.name).not.toBe(TARGET);
    expect(last(stages.at(-1)!, 'ENTRYPOINT')?.args).not.toBe(last(assembler, 'ENTRYPOINT')?.args);
  });

  it('runs as a numeric, non-root user and group', () => {
    const user = last(assembler, 'USER')?.args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    for (const id of user!.split(':')) expect(Number(id)).toBeGreaterThan(0);
  });

  it('copies from the build context only files that exist', () => {
    const sources = stages
      .flatMap(copies)
      .filter((c) => c.from === null)
      .flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((s) => !existsSync(join(ROOT, s)))).toEqual([]);
  });
});
