import { createHash } from 'node:crypto';
import { posix } from 'node:path';

import type { TechStack } from '@stagecraft/contracts';

import { sha256Digest } from '../digest';
import { DependencyError } from './dependency.errors';
import {
  checkNpmSources,
  normalizeForInstall,
  NPM_LOCKFILES,
  type NpmLockfileName,
  parseLockfile,
  parsePackageJson,
} from './npm-manifests';
import { formatRequirementsTxt, parseRequirementsTxt } from './requirements-txt';

/** Where pip installs a PYTHON package's requirements in the image (on PYTHONPATH, its bin on PATH). */
export const PYTHON_PACKAGES_DIR = '/opt/stagecraft/python-packages';
/** Where requirements.txt is put for pip, outside the image's layers (only the packages folder is kept). */
export const PYTHON_INSTALL_DIR = '/opt/stagecraft/install';
export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';
export const DEFAULT_PIP_INDEX_URL = 'https://pypi.org/simple';

/** The files of an unpacked package that decide what to install. */
export interface DependencyManifests {
  packageJson?: Buffer;
  lockfiles: Partial<Record<NpmLockfileName, Buffer>>;
  requirementsTxt?: Buffer;
  /** The package has a top-level node_modules folder. */
  hasNodeModules: boolean;
}

export type DependencyTool = 'npm' | 'pip';

/** One install, the same on every executor: files into `workDir`, `command` there, `outputDir` becomes the layer. */
export interface DependencyInstall {
  tool: DependencyTool;
  /** Where `files` are written and `command` runs, in the container. */
  workDir: string;
  /** What the install reads: package.json and the lockfile, or requirements.txt, as checked. */
  files: { name: string; content: Buffer }[];
  command: string[];
  /** The folder the install fills, in the container; the dependency layer holds it at the same path. */
  outputDir: string;
  /** Image config additions: variables set… */
  imageEnv: Record<string, string>;
  /** …and folders put in front of the base image's PATH. */
  pathPrepend: string[];
  /** One line for the build log. */
  summary: string;
}

export type DependencyPlan = { install: null; note: string | null } | { install: DependencyInstall; note: string };

export interface PackageRegistries {
  /** NPM_CONFIG_REGISTRY of the install. */
  npm: string;
  /** PIP_INDEX_URL of the install. */
  pip: string;
}

/**
 * What a package needs installed before it runs, decided from its files alone:
 * - NODEJS with dependencies in package.json and no node_modules: `npm ci --omit=dev
 *   --ignore-scripts` from its lockfile (npm-shrinkwrap.json or package-lock.json; none is
 *   DEPENDENCY_LOCKFILE_MISSING); node_modules present: nothing, the package carries them.
 * - PYTHON with requirements.txt: `pip install --target PYTHON_PACKAGES_DIR`, wheels only.
 * Sources other than the configured registry are refused (DEPENDENCY_SOURCE_REFUSED).
 */
export function planDependencies(
  stack: TechStack,
  manifests: DependencyManifests,
  options: { appDir?: string } = {},
): DependencyPlan {
  const appDir = options.appDir ?? '/app';
  if (stack === 'NODEJS') return planNpm(manifests, appDir);
  if (stack === 'PYTHON') return planPip(manifests);
  return { install: null, note: null };
}

function planNpm(manifests: DependencyManifests, appDir: string): DependencyPlan {
  if (!manifests.packageJson) return { install: null, note: 'No package.json: no dependencies to install' };
  const pkg = parsePackageJson(manifests.packageJson);
  if (pkg.installed.length === 0) return { install: null, note: 'package.json declares no dependencies: nothing to install' };
  if (manifests.hasNodeModules)
    return { install: null, note: 'The package carries node_modules: its dependencies are used as they are, nothing installed' };
  const lockfileName = NPM_LOCKFILES.find((name) => manifests.lockfiles[name]);
  if (!lockfileName) {
    const named = pkg.installed.slice(0, 5).join(', ') + (pkg.installed.length > 5 ? ', …' : '');
    throw new DependencyError(
      'DEPENDENCY_LOCKFILE_MISSING',
      `package.json declares ${pkg.installed.length} ${pkg.installed.length === 1 ? 'dependency' : 'dependencies'} (${named}) but the package has no lockfile and no node_modules: add package-lock.json (run npm install and put the file next to package.json in the package), or ship node_modules`,
    );
  }
  const lockfile = parseLockfile(lockfileName, manifests.lockfiles[lockfileName]!);
  checkNpmSources(pkg, lockfileName, lockfile);
  const normalized = normalizeForInstall(pkg, lockfile);
  const command = ['npm', 'ci', '--omit=dev', '--ignore-scripts', '--replace-registry-host=always', '--no-audit', '--no-fund'];
  return {
    install: {
      tool: 'npm',
      workDir: appDir,
      files: [
        { name: 'package.json', content: normalized.packageJson },
        { name: lockfileName, content: normalized.lockfile },
      ],
      command,
      outputDir: posix.join(appDir, 'node_modules'),
      imageEnv: {},
      pathPrepend: [],
      summary: `${command.join(' ')} from ${lockfileName}: ${pkg.installed.length} declared ${pkg.installed.length === 1 ? 'dependency' : 'dependencies'}`,
    },
    note: `package.json declares dependencies and the package has no node_modules: they are installed from ${lockfileName} into their own layer`,
  };
}

function planPip(manifests: DependencyManifests): DependencyPlan {
  if (!manifests.requirementsTxt) return { install: null, note: 'No requirements.txt: no dependencies to install' };
  const parsed = parseRequirementsTxt(manifests.requirementsTxt.toString('utf8'));
  if (parsed.requirements.length === 0)
    return { install: null, note: 'requirements.txt names no requirement: nothing to install' };
  const command = [
    'python3',
    '-m',
    'pip',
    'install',
    '--no-cache-dir',
    '--no-compile',
    '--only-binary=:all:',
    '--no-warn-script-location',
    '--target',
    PYTHON_PACKAGES_DIR,
    '-r',
    'requirements.txt',
  ];
  const count = parsed.requirements.length;
  return {
    install: {
      tool: 'pip',
      workDir: PYTHON_INSTALL_DIR,
      files: [{ name: 'requirements.txt', content: formatRequirementsTxt(parsed) }],
      command,
      outputDir: PYTHON_PACKAGES_DIR,
      imageEnv: { PYTHONPATH: PYTHON_PACKAGES_DIR },
      pathPrepend: [posix.join(PYTHON_PACKAGES_DIR, 'bin')],
      summary: `${command.join(' ')}: ${count} ${count === 1 ? 'requirement' : 'requirements'}`,
    },
    note: `requirements.txt names ${count} ${count === 1 ? 'requirement' : 'requirements'}: installed into ${PYTHON_PACKAGES_DIR}, their own layer`,
  };
}

/** The package registry an install reaches: npm's registry or pip's index. */
export function registryUrlOf(install: Pick<DependencyInstall, 'tool'>, registries: PackageRegistries): string {
  return install.tool === 'npm' ? registries.npm : registries.pip;
}

/**
 * The environment of the install command, besides the image's own: the registry (the only one the
 * install may use), caches and HOME in /tmp (the root file system may be read-only), no prompts,
 * no update checks, and for pip no configuration file of the base image.
 */
export function installEnvironment(
  install: Pick<DependencyInstall, 'tool'>,
  registries: PackageRegistries,
): Record<string, string> {
  const common = { HOME: '/tmp', TMPDIR: '/tmp' };
  if (install.tool === 'npm')
    return {
      ...common,
      NPM_CONFIG_REGISTRY: registries.npm,
      NPM_CONFIG_REPLACE_REGISTRY_HOST: 'always',
      NPM_CONFIG_CACHE: '/tmp/.npm',
      NPM_CONFIG_UPDATE_NOTIFIER: 'false',
      NPM_CONFIG_FETCH_RETRY_MAXTIMEOUT: '10000',
    };
  const index = new URL(registries.pip);
  return {
    ...common,
    PIP_INDEX_URL: registries.pip,
    // An administrator who names a plain-http index trusts it; pip would ignore it otherwise.
    ...(index.protocol === 'http:' && { PIP_TRUSTED_HOST: index.hostname }),
    PIP_CONFIG_FILE: '/dev/null',
    PIP_NO_INPUT: '1',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_PROGRESS_BAR: 'off',
    PIP_ROOT_USER_ACTION: 'ignore',
    PIP_RETRIES: '2',
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

/**
 * What identifies a dependency layer: the base image it was installed on (its manifest digest),
 * the tool, command, folders and registry, and the bytes of the files the install read. The same
 * key means the same layer, so a build with the same lockfile reuses it.
 */
export function dependencyLayerKey(install: DependencyInstall, baseImageDigest: string, registryUrl: string): string {
  const identity = {
    version: 1,
    base: baseImageDigest,
    tool: install.tool,
    command: install.command,
    workDir: install.workDir,
    outputDir: install.outputDir,
    registry: registryUrl,
    files: install.files.map((file) => [file.name, sha256Digest(file.content)]),
  };
  return `sha256:${createHash('sha256').update(JSON.stringify(identity)).digest('hex')}`;
}

/**
 * The folders an install mounts, in the container: `work` (the files, where the command runs) and,
 * when the output is not inside it, `output`. LOCAL builds bind host folders there; build pods
 * mount sub-paths of one emptyDir named the same.
 */
export function installVolumes(
  install: Pick<DependencyInstall, 'workDir' | 'outputDir'>,
): { name: 'work' | 'output'; path: string }[] {
  const inside = install.outputDir.startsWith(`${install.workDir}/`);
  return inside
    ? [{ name: 'work', path: install.workDir }]
    : [
        { name: 'work', path: install.workDir },
        { name: 'output', path: install.outputDir },
      ];
}

/** Where the output folder is among `installVolumes`: a volume and the path inside it. */
export function outputLocation(install: Pick<DependencyInstall, 'workDir' | 'outputDir'>): {
  volume: 'work' | 'output';
  subPath: string;
} {
  return install.outputDir.startsWith(`${install.workDir}/`)
    ? { volume: 'work', subPath: install.outputDir.slice(install.workDir.length + 1) }
    : { volume: 'output', subPath: '' };
}
