#!/usr/bin/env node
// Compiles the whole workspace into dist/ and makes `@stagecraft/<lib>` resolvable there:
// dist/node_modules/@stagecraft/<lib> points at the compiled lib, so `node dist/.../main.js`
// runs without path-alias tooling.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

// `npm start` runs this every time: tsc (even incremental, with nothing to do) takes seconds, so
// it runs only when a source, a tsconfig or the lockfile is newer than the last good build. A
// folder's own mtime counts too, so a deleted or renamed file is seen.
const buildStamp = join(root, 'dist', '.build-stamp');
const workspaceSources = Math.max(
  ...['libs', 'services', 'gateway', join('deploy', 'local', 'src'), join('deploy', 'assembler', 'src')].map((folder) =>
    newestMtime(join(root, folder)),
  ),
  ...readdirSync(root)
    .filter((name) => /^tsconfig.*\.json$/.test(name) || name === 'package-lock.json')
    .map((name) => statSync(join(root, name)).mtimeMs),
);
if (workspaceSources > (existsSync(buildStamp) ? statSync(buildStamp).mtimeMs : 0)) {
  // The stamp carries the time tsc started: a file saved while it ran is built next time.
  const buildStarted = new Date();
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  } catch {
    process.exit(1);
  }
  writeFileSync(buildStamp, `${buildStarted.toISOString()}\n`);
  utimesSync(buildStamp, buildStarted, buildStarted);
}

const scope = join(root, 'dist', 'node_modules', '@stagecraft');
mkdirSync(scope, { recursive: true });
for (const lib of readdirSync(join(root, 'libs'))) {
  const link = join(scope, lib);
  rmSync(link, { recursive: true, force: true });
  symlinkSync(relative(scope, join(root, 'dist', 'libs', lib, 'src')), link, 'dir');
}
writeFileSync(join(root, 'dist', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');

// The web console (console/, docs/console.md) → dist/console, served by the gateway at `/`.
// Rebuilt only when a console file (or the lockfile) is newer than the last build: `npm start`
// runs this every time.
const consoleRoot = join(root, 'console');
const consoleIndex = join(root, 'dist', 'console', 'index.html');
const consoleSources = Math.max(newestMtime(consoleRoot), statSync(join(root, 'package-lock.json')).mtimeMs);
if (consoleSources > (existsSync(consoleIndex) ? statSync(consoleIndex).mtimeMs : 0)) {
  try {
    // Vite strips types without checking them: the console's own check first.
    execFileSync(process.execPath, [tsc, '-p', join(consoleRoot, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn', consoleRoot],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
  } catch {
    process.exit(1);
  }
}

/** The newest modification time under `path`, leaving out browser suites (console/e2e) and installed packages. */
function newestMtime(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(
    stats.mtimeMs,
    ...readdirSync(path)
      .filter((name) => name !== 'e2e' && name !== 'node_modules')
      .map((name) => newestMtime(join(path, name))),
  );
}
