import type { ArchiveEntrySink } from '@stagecraft/archive';

import { readMainClass } from './jar-manifest';
import type { ArchiveFormat, TechStack } from './package-inspection.types';

/** Project manifests that count at a project root: the archive root, `package/` or a single top folder. */
const PROJECT_MARKERS = {
  'composer.json': 'PHP',
  'requirements.txt': 'PYTHON',
  'pyproject.toml': 'PYTHON',
  'setup.py': 'PYTHON',
  'package.json': 'NODEJS',
} as const satisfies Record<string, TechStack>;
type ProjectMarker = keyof typeof PROJECT_MARKERS;

const MANIFEST_PATH = 'META-INF/MANIFEST.MF';
/** What `python3 DIR` runs: Python's own convention for a runnable folder, and the PYTHON image's command. */
const PYTHON_MAIN = '__main__.py';
const WHEEL_METADATA = /^[^/]+\.dist-info\/(?:WHEEL|METADATA)$/;

/** What an archive showed, gathered entry by entry in constant memory (no list of all paths). */
export interface ArchiveFindings {
  format: ArchiveFormat;
  entryCount: number;
  /** Zip only: a `WEB-INF/` entry at the root. */
  webInfEntry: string | null;
  /** Zip only: a root `META-INF/MANIFEST.MF`, and its Main-Class when it has one. */
  manifest: { mainClass: string | null } | null;
  /** Zip only: `<name>.dist-info/WHEEL` or `METADATA` at the root. */
  wheelMetadata: string | null;
  /** First path found for each project manifest, at a project root. */
  projectMarkers: Partial<Record<ProjectMarker, string>>;
  /**
   * A `__main__.py` where the PYTHON image runs it from (`python3 /app`): at the root, or in the
   * single top folder the assembler strips (not under `package/` beside other folders).
   */
  pythonMain: string | null;
  phpSources: { count: number; example: string } | null;
}

/** Collects ArchiveFindings from a reader's entries; only the root MANIFEST.MF of a zip is read. */
export class StackDetector implements ArchiveEntrySink {
  private entryCount = 0;
  private webInfEntry: string | null = null;
  private manifest: { mainClass: string | null } | null = null;
  private wheelMetadata: string | null = null;
  private firstTopFolder: string | null = null;
  private singleTopFolder = true;
  private readonly markers = {
    root: new Map<ProjectMarker, string>(),
    npmPackage: new Map<ProjectMarker, string>(),
    topFolder: new Map<ProjectMarker, string>(),
  };
  private readonly pythonMain = { root: null as string | null, topFolder: null as string | null };
  private phpCount = 0;
  private phpExample = '';

  constructor(private readonly format: ArchiveFormat) {}

  entry(rawPath: string, isDirectory: boolean): boolean {
    const normalized = normalizePath(rawPath);
    const directory = isDirectory || normalized.endsWith('/');
    const path = normalized.replace(/\/+$/, '');
    if (path === '' || path === '.' || isPackagingDebris(path)) return false;
    this.entryCount++;

    const slash = path.indexOf('/');
    const top = slash === -1 ? path : path.slice(0, slash);
    if (slash === -1 && !directory) this.singleTopFolder = false;
    else if (this.firstTopFolder === null) this.firstTopFolder = top;
    else if (top !== this.firstTopFolder) this.singleTopFolder = false;

    if (this.format === 'zip') {
      // Evidence names a file under WEB-INF/ when there is one, rather than the bare folder entry.
      if (top.toUpperCase() === 'WEB-INF' && (this.webInfEntry === null || (this.webInfEntry.endsWith('/') && !directory))) {
        this.webInfEntry = directory ? `${path}/` : path;
      }
      if (WHEEL_METADATA.test(path) && !directory) this.wheelMetadata ??= path;
      if (path.toUpperCase() === MANIFEST_PATH && !directory) {
        this.manifest ??= { mainClass: null };
        return true;
      }
    }
    if (directory) return false;

    const base = path.slice(path.lastIndexOf('/') + 1);
    const folder = path.slice(0, path.length - base.length);
    if (Object.hasOwn(PROJECT_MARKERS, base)) {
      const marker = base as ProjectMarker;
      const where =
        folder === ''
          ? this.markers.root
          : folder === 'package/'
            ? this.markers.npmPackage
            : folder === `${this.firstTopFolder}/`
              ? this.markers.topFolder
              : null;
      if (where && !where.has(marker)) where.set(marker, path);
    }
    if (base === PYTHON_MAIN) {
      if (folder === '') this.pythonMain.root ??= path;
      else if (folder === `${this.firstTopFolder}/`) this.pythonMain.topFolder ??= path;
    }
    if (/\.php$/i.test(base)) {
      if (this.phpCount === 0) this.phpExample = path;
      this.phpCount++;
    }
    return false;
  }

  content(path: string, bytes: Buffer): void {
    if (normalizePath(path).toUpperCase() === MANIFEST_PATH && this.manifest && this.manifest.mainClass === null) {
      this.manifest.mainClass = readMainClass(bytes);
    }
  }

  findings(): ArchiveFindings {
    // npm's `package/` counts even beside other folders; any other top folder only when it is the only one.
    const roots = [this.markers.root, this.markers.npmPackage];
    if (this.singleTopFolder) roots.push(this.markers.topFolder);
    const projectMarkers: Partial<Record<ProjectMarker, string>> = {};
    for (const marker of Object.keys(PROJECT_MARKERS) as ProjectMarker[]) {
      const found = roots.map((root) => root.get(marker)).find((path) => path !== undefined);
      if (found) projectMarkers[marker] = found;
    }
    return {
      format: this.format,
      entryCount: this.entryCount,
      webInfEntry: this.webInfEntry,
      manifest: this.manifest,
      wheelMetadata: this.wheelMetadata,
      projectMarkers,
      pythonMain: this.pythonMain.root ?? (this.singleTopFolder ? this.pythonMain.topFolder : null),
      phpSources: this.phpCount > 0 ? { count: this.phpCount, example: this.phpExample } : null,
    };
  }
}

/*
 * Precedence: the first rule that matches decides. Stronger, more specific evidence comes first.
 *  1. WEB-INF/ → TOMCAT. A WAR's layout is unambiguous, and a WAR may also carry a Main-Class
 *     (Spring Boot's executable WAR) yet is built to be deployed into a servlet container.
 *  2. Main-Class → JAVA. Only a zip with that manifest attribute runs with `java -jar`.
 *  3. Wheel metadata → PYTHON. A built distribution says exactly what it is.
 *  4. composer.json → PHP, before  5. Python manifests, before  6. a top-level __main__.py →
 *     PYTHON (a runnable folder: exactly what the PYTHON image runs, `python3 /app`, even without
 *     a requirements file), before  7. package.json → NODEJS:
 *     package.json is the weakest project manifest, because PHP and Python web apps commonly ship
 *     one only for front-end tooling (Laravel's Vite, Django with webpack, prettier or husky),
 *     while Node apps rarely carry composer.json, requirements.txt or __main__.py at their root.
 *  8. A JAR without Main-Class → REJECTED: a library cannot run, and a manifest says "JAR" more
 *     clearly than stray .php files inside it do.
 *  9. *.php anywhere → PHP. PHP apps need no manifest, but .php files are the weakest evidence:
 *     a Node or Python package that happens to contain one is still what its manifest says.
 * A declared stack is accepted when any rule for that stack matched (the user picks among the
 * stacks the contents support: a Spring Boot WAR declared JAVA is JAVA); otherwise it contradicts
 * the contents, and the reason names the declared stack and the first rule that matched.
 * JAVA, TOMCAT and wheels are zip formats by definition; tarballs are looked at only for 4–9.
 */
interface Rule {
  /** null: the rule rejects the package. */
  stack: TechStack | null;
  lookedFor: string;
  zipOnly: boolean;
  evidence(f: ArchiveFindings): string | null | undefined;
}

const AT_A_PROJECT_ROOT = 'at the root, under package/ or under a single top-level folder';

export const PRECEDENCE: readonly Rule[] = [
  {
    stack: 'TOMCAT',
    lookedFor: 'WEB-INF/ (TOMCAT)',
    zipOnly: true,
    evidence: (f) => f.webInfEntry && `WEB-INF/ entries such as ${f.webInfEntry}`,
  },
  {
    stack: 'JAVA',
    lookedFor: 'META-INF/MANIFEST.MF with Main-Class (JAVA)',
    zipOnly: true,
    evidence: (f) => f.manifest?.mainClass && `META-INF/MANIFEST.MF has Main-Class ${f.manifest.mainClass}`,
  },
  {
    stack: 'PYTHON',
    lookedFor: '*.dist-info/WHEEL or METADATA (PYTHON wheel)',
    zipOnly: true,
    evidence: (f) => f.wheelMetadata && `wheel metadata ${f.wheelMetadata}`,
  },
  {
    stack: 'PHP',
    lookedFor: `composer.json (PHP) ${AT_A_PROJECT_ROOT}`,
    zipOnly: false,
    evidence: (f) => f.projectMarkers['composer.json'] ?? null,
  },
  {
    stack: 'PYTHON',
    lookedFor: `requirements.txt, pyproject.toml or setup.py (PYTHON) ${AT_A_PROJECT_ROOT}`,
    zipOnly: false,
    evidence: (f) =>
      f.projectMarkers['requirements.txt'] ?? f.projectMarkers['pyproject.toml'] ?? f.projectMarkers['setup.py'] ?? null,
  },
  {
    stack: 'PYTHON',
    lookedFor: '__main__.py (PYTHON) at the root or under a single top-level folder',
    zipOnly: false,
    evidence: (f) => f.pythonMain && `${f.pythonMain}, a runnable Python folder`,
  },
  {
    stack: 'NODEJS',
    lookedFor: `package.json (NODEJS) ${AT_A_PROJECT_ROOT}`,
    zipOnly: false,
    evidence: (f) => f.projectMarkers['package.json'] ?? null,
  },
  {
    stack: null,
    lookedFor: '',
    zipOnly: true,
    evidence: (f) => (f.manifest && !f.manifest.mainClass ? 'META-INF/MANIFEST.MF has no Main-Class attribute' : null),
  },
  {
    stack: 'PHP',
    lookedFor: '*.php sources anywhere (PHP)',
    zipOnly: false,
    evidence: (f) =>
      f.phpSources && `${f.phpSources.count} PHP source${f.phpSources.count === 1 ? '' : 's'} such as ${f.phpSources.example}`,
  },
];

export type StackDecision = { ok: true; techStack: TechStack; evidence: string } | { ok: false; reason: string };

export function decideStack(findings: ArchiveFindings, declared?: TechStack): StackDecision {
  const rules = PRECEDENCE.filter((rule) => findings.format === 'zip' || !rule.zipOnly);
  const matches = rules.flatMap((rule) => {
    const evidence = rule.evidence(findings);
    return evidence ? [{ stack: rule.stack, evidence }] : [];
  });

  if (declared) {
    const supported = matches.find((m) => m.stack === declared);
    if (supported) return { ok: true, techStack: declared, evidence: supported.evidence };
  }
  const first = matches[0];
  if (!first) {
    const noStack = noStackFound(findings, rules);
    return { ok: false, reason: declared ? `declared ${declared} but ${noStack}` : noStack };
  }
  if (first.stack === null) {
    const libraryJar = `a JAR without Main-Class cannot run: ${first.evidence}`;
    if (!declared || declared === 'JAVA') return { ok: false, reason: libraryJar };
    return { ok: false, reason: `declared ${declared} but the contents look like JAVA (${libraryJar})` };
  }
  if (declared) {
    return { ok: false, reason: `declared ${declared} but the contents look like ${first.stack} (${first.evidence})` };
  }
  return { ok: true, techStack: first.stack, evidence: first.evidence };
}

function noStackFound(findings: ArchiveFindings, rules: readonly Rule[]): string {
  const size = findings.entryCount === 0 ? 'it is empty' : `${findings.entryCount} entries`;
  const lookedFor = rules.filter((rule) => rule.lookedFor).map((rule) => rule.lookedFor);
  return `no tech stack found in the ${findings.format} archive (${size}): looked for ${lookedFor.join('; ')}`;
}

function normalizePath(raw: string): string {
  let path = raw.replace(/\\/g, '/');
  while (path.startsWith('./')) path = path.slice(2);
  return path.replace(/^\/+/, '');
}

/** Folders and files archivers add by themselves (macOS's zip), which say nothing about the package. */
function isPackagingDebris(path: string): boolean {
  return path === '__MACOSX' || path.startsWith('__MACOSX/') || path === '.DS_Store' || path.endsWith('/.DS_Store');
}
