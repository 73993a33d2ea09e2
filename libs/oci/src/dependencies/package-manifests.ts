import type { UnpackLimits } from '@stagecraft/archive';
import type { TechStack } from '@stagecraft/contracts';

import type { LayerEntry } from '../layer-entry';
import { type UnpackedPackage, unpackPackage } from '../package/package-unpacker';
import { DependencyError } from './dependency.errors';
import { type DependencyManifests, type DependencyPlan, planDependencies } from './dependency-plan';
import { NPM_LOCKFILES } from './npm-manifests';

/** A lockfile of a large app is a few MiB; more is not a manifest. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** Whether a stack may have dependencies to install: the others never unpack for it. */
export function mayInstallDependencies(stack: TechStack): boolean {
  return stack === 'NODEJS' || stack === 'PYTHON';
}

/**
 * The dependency manifests at the top of an unpacked package (`root` is the folder it was
 * unpacked under, e.g. `/app`): package.json, the lockfiles, requirements.txt, and whether a
 * node_modules folder is there (also when the archive lists only the files inside it).
 */
export async function readDependencyManifests(unpacked: UnpackedPackage, root: string): Promise<DependencyManifests> {
  const prefix = `${root.replace(/^\/+|\/+$/g, '')}/`;
  const top = new Map<string, LayerEntry>();
  let hasNodeModules = false;
  for (const entry of unpacked.entries) {
    const path = entry.path.replace(/^\/+/, '');
    if (!path.startsWith(prefix)) continue;
    const relative = path.slice(prefix.length);
    if (relative === 'node_modules' || relative.startsWith('node_modules/')) hasNodeModules = true;
    if (!relative.includes('/')) top.set(relative, entry);
  }
  const read = async (name: string): Promise<Buffer | undefined> => {
    const entry = top.get(name);
    if (!entry || entry.type !== 'file') return undefined;
    return readEntry(entry, name);
  };
  const lockfiles: DependencyManifests['lockfiles'] = {};
  for (const name of NPM_LOCKFILES) {
    const content = await read(name);
    if (content) lockfiles[name] = content;
  }
  return { packageJson: await read('package.json'), lockfiles, requirementsTxt: await read('requirements.txt'), hasNodeModules };
}

/**
 * Unpacks the package (under the stack's folder, the top folder stripped as the assembler does)
 * just far enough to plan its dependencies; the staging folder is removed before it returns.
 */
export async function planPackageDependencies(
  packageFile: string,
  stack: TechStack,
  options: { limits?: Partial<UnpackLimits>; tmpDir?: string; appDir?: string } = {},
): Promise<DependencyPlan> {
  if (!mayInstallDependencies(stack)) return { install: null, note: null };
  const root = options.appDir ?? '/app';
  const unpacked = await unpackPackage(packageFile, {
    root,
    stripSingleTopFolder: true,
    limits: options.limits,
    tmpDir: options.tmpDir,
  });
  try {
    return planDependencies(stack, await readDependencyManifests(unpacked, root), { appDir: root });
  } finally {
    await unpacked.cleanup();
  }
}

async function readEntry(entry: Extract<LayerEntry, { type: 'file' }>, name: string): Promise<Buffer> {
  if ('content' in entry) return entry.content;
  if (entry.size > MAX_MANIFEST_BYTES)
    throw new DependencyError('DEPENDENCY_MANIFEST_INVALID', `${name} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  const parts: Buffer[] = [];
  for await (const chunk of await entry.open()) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}
