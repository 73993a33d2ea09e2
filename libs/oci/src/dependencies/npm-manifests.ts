import { DependencyError, quoteForMessage } from './dependency.errors';

/** The lockfiles `npm ci` reads; npm-shrinkwrap.json wins when both are there, as in npm. */
export const NPM_LOCKFILES = ['npm-shrinkwrap.json', 'package-lock.json'] as const;
export type NpmLockfileName = (typeof NPM_LOCKFILES)[number];

type Json = Record<string, unknown>;

/** The dependency groups of a package.json that npm resolves (dev ones too, while it checks the lockfile). */
const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'] as const;
/** The package.json fields `npm ci` reads; the rest (scripts, config, name, version…) stay out of the install. */
const INSTALL_FIELDS = [
  ...DEPENDENCY_FIELDS,
  'peerDependenciesMeta',
  'bundleDependencies',
  'bundledDependencies',
  'overrides',
  'engines',
  'os',
  'cpu',
] as const;
/** Name and version the install sees: the app's own change with each release and must not change the layer. */
const INSTALL_NAME = 'stagecraft-app';
const INSTALL_VERSION = '0.0.0';

export interface NpmPackageJson {
  /** Names of the dependencies `npm ci --omit=dev` installs (dependencies, optional and peer). */
  installed: string[];
  json: Json;
}

export function parsePackageJson(content: Buffer): NpmPackageJson {
  const json = parseObject(content, 'package.json');
  for (const field of DEPENDENCY_FIELDS) {
    const value = json[field];
    if (value !== undefined && !isObject(value))
      throw new DependencyError('DEPENDENCY_MANIFEST_INVALID', `package.json: "${field}" is not an object`);
  }
  const installed = new Set<string>();
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies'] as const)
    for (const name of Object.keys((json[field] as Json | undefined) ?? {})) installed.add(name);
  return { installed: [...installed].sort(), json };
}

/**
 * Refuses what `npm ci` would fetch from anywhere but the configured registry: git, GitHub
 * shorthand, file/link, tarball-URL and workspace dependencies, in package.json (dev ones too: npm
 * resolves them while it checks the lockfile) and in every lockfile entry. Registry entries may keep
 * their `resolved` URLs: the install replaces their host with the configured registry.
 */
export function checkNpmSources(pkg: NpmPackageJson, lockfileName: NpmLockfileName, lockfile: Json): void {
  if (pkg.json['workspaces'] !== undefined)
    throw refused('package.json declares workspaces, whose folders the install does not have: ship node_modules instead');
  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, spec] of Object.entries((pkg.json[field] as Json | undefined) ?? {})) {
      const why = typeof spec === 'string' ? specProblem(spec) : 'is not a version string';
      if (why) throw refused(`package.json ${field}.${name} ${quoteForMessage(String(spec))} ${why}`);
    }
  }
  const version = lockfile['lockfileVersion'];
  if (version !== 1 && version !== 2 && version !== 3)
    throw new DependencyError(
      'DEPENDENCY_MANIFEST_INVALID',
      `${lockfileName}: lockfileVersion ${quoteForMessage(String(version))} is not one npm ci reads (1, 2 or 3)`,
    );
  if (isObject(lockfile['packages'])) {
    for (const [path, entry] of Object.entries(lockfile['packages'])) {
      if (path === '' || !isObject(entry)) continue;
      if (entry['link'] === true)
        throw refused(`${lockfileName} entry ${quoteForMessage(path)} links a local folder, which the install does not have`);
      checkLockEntry(lockfileName, path, entry);
    }
  } else {
    walkV1(lockfileName, lockfile['dependencies'], '');
  }
}

/**
 * package.json and the lockfile as the install gets them: only the fields npm ci reads, and a
 * fixed name and version in both (npm writes them into node_modules/.package-lock.json), so a
 * new release of the app with the same dependencies installs the same bytes under the same key.
 */
export function normalizeForInstall(pkg: NpmPackageJson, lockfile: Json): { packageJson: Buffer; lockfile: Buffer } {
  const packageJson: Json = { name: INSTALL_NAME, version: INSTALL_VERSION };
  for (const field of INSTALL_FIELDS) if (pkg.json[field] !== undefined) packageJson[field] = pkg.json[field];
  const lock: Json = { ...lockfile, name: INSTALL_NAME, version: INSTALL_VERSION };
  if (isObject(lockfile['packages'])) {
    const root = isObject(lockfile['packages']['']) ? lockfile['packages'][''] : {};
    lock['packages'] = { ...lockfile['packages'], '': { ...root, name: INSTALL_NAME, version: INSTALL_VERSION } };
  }
  return {
    packageJson: Buffer.from(`${JSON.stringify(packageJson, null, 2)}\n`),
    lockfile: Buffer.from(`${JSON.stringify(lock, null, 2)}\n`),
  };
}

export function parseLockfile(name: NpmLockfileName, content: Buffer): Json {
  return parseObject(content, name);
}

function walkV1(lockfileName: NpmLockfileName, dependencies: unknown, parent: string): void {
  if (!isObject(dependencies)) return;
  for (const [name, entry] of Object.entries(dependencies)) {
    if (!isObject(entry)) continue;
    const path = `${parent}node_modules/${name}`;
    const problem = typeof entry['version'] === 'string' ? specProblem(entry['version']) : null;
    if (problem)
      throw refused(
        `${lockfileName} entry ${quoteForMessage(path)} version ${quoteForMessage(String(entry['version']))} ${problem}`,
      );
    checkLockEntry(lockfileName, path, entry);
    walkV1(lockfileName, entry['dependencies'], `${path}/`);
  }
}

function checkLockEntry(lockfileName: NpmLockfileName, path: string, entry: Json): void {
  const resolved = entry['resolved'];
  if (resolved === undefined) return;
  if (typeof resolved !== 'string' || !/^https?:\/\/[^/]/i.test(resolved) || !URL.canParse(resolved))
    throw refused(
      `${lockfileName} entry ${quoteForMessage(path)} is resolved from ${quoteForMessage(String(resolved))}, not from a package registry`,
    );
}

/** Why a dependency spec is not a registry one, or null for a version, range, tag or `npm:` alias. */
function specProblem(spec: string): string | null {
  const value = spec.trim();
  if (/^(git\+|git:|github:|gitlab:|bitbucket:|gist:)/i.test(value) || /\.git(#.*)?$/i.test(value))
    return 'is a git dependency: the build installs only from the package registry (ship node_modules instead)';
  if (/^(https?:|[a-z][a-z0-9+.-]*:\/\/)/i.test(value))
    return 'is a tarball URL: the build installs only from the package registry (ship node_modules instead)';
  if (/^(file:|link:|\.{0,2}\/|~\/)/i.test(value))
    return 'is a local file or folder, which the install does not have (ship node_modules instead)';
  if (/^workspace:/i.test(value)) return 'is a workspace dependency, which the install does not have';
  if (/^[^@\s/:]+\/[^\s/:]+$/.test(value))
    return 'is GitHub shorthand (user/repo): the build installs only from the package registry';
  if (/^npm:/i.test(value)) {
    const aliased = value.slice(4);
    const at = aliased.lastIndexOf('@');
    return at > 0 ? specProblem(aliased.slice(at + 1)) : null;
  }
  return null;
}

function refused(message: string): DependencyError {
  return new DependencyError('DEPENDENCY_SOURCE_REFUSED', message);
}

function parseObject(content: Buffer, file: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new DependencyError('DEPENDENCY_MANIFEST_INVALID', `${file} is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw new DependencyError('DEPENDENCY_MANIFEST_INVALID', `${file} is not a JSON object`);
  return parsed;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
