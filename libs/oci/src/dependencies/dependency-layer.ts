import { createReadStream } from 'node:fs';

import type { UnpackLimits } from '@stagecraft/archive';

import type { UploadSession } from '../blob-upload';
import { buildLayerToFile } from '../layer.builder';
import type { ContainerConfig } from '../manifest.types';
import type { RegistryClient } from '../registry.client';
import type { DependencyInstall } from './dependency-plan';
import { readInstalledTree } from './installed-tree';

/** A built dependency layer: the gzip'd tar on disk and what the manifest and config need of it. */
export interface DependencyLayer {
  file: string;
  /** Of the gzip bytes: the manifest's layer digest. */
  digest: string;
  /** Of the tar: the config's diff_id. */
  diffId: string;
  size: number;
}

export interface BuiltDependencyLayer extends DependencyLayer {
  uncompressedSize: number;
  entries: number;
  files: number;
  bytes: number;
}

export interface DependencyLayerOptions {
  limits?: Partial<UnpackLimits>;
  /** The uid the install ran as, outside any user namespace: every file must be its. */
  owner?: number;
  /** As the package layer's (AssemblerOptions): mtime, owner in the image, gzip level. */
  mtime?: number;
  uid?: number;
  gid?: number;
  gzipLevel?: number;
}

/**
 * Turns the folder an install filled (`dir`, which is `install.outputDir` in the container) into a
 * deterministic layer at `file`: sorted entries, one mtime, the package files' owner, normalised
 * modes, the same tar and gzip writer as every other layer. The same installed files give the
 * same digest, so an unchanged dependency layer is never uploaded twice.
 */
export async function buildDependencyLayer(
  dir: string,
  install: Pick<DependencyInstall, 'outputDir'>,
  file: string,
  options: DependencyLayerOptions = {},
): Promise<BuiltDependencyLayer> {
  const tree = await readInstalledTree(dir, install.outputDir, { limits: options.limits, owner: options.owner });
  const digests = await buildLayerToFile(tree.entries, file, {
    mtime: options.mtime,
    uid: options.uid,
    gid: options.gid,
    gzipLevel: options.gzipLevel,
  });
  return { file, ...digests, files: tree.files, bytes: tree.bytes };
}

export type DependencyLayerAction = 'present' | 'mounted' | 'uploaded';

/**
 * Puts the layer into `repository` the cheapest way: nothing when it is there already (a rebuild
 * with the same lockfile), a cross-repository mount from a repository of the same registry known
 * to hold it, else an upload from the file, checked against its digest.
 */
export async function pushDependencyLayer(
  client: RegistryClient,
  repository: string,
  layer: DependencyLayer,
  mountFrom: readonly string[] = [],
): Promise<DependencyLayerAction> {
  if (await client.blobExists(repository, layer.digest)) return 'present';
  let session: UploadSession | undefined;
  for (const source of mountFrom) {
    if (source === repository) continue;
    const mount = await client.mountBlob(repository, layer.digest, source);
    if (mount.mounted) return 'mounted';
    session = mount.session;
    break;
  }
  await client.uploadBlobStream(repository, createReadStream(layer.file, { highWaterMark: 1024 * 1024 }), {
    expectedDigest: layer.digest,
    session,
  });
  return 'uploaded';
}

/**
 * The image's runtime settings with the install's additions: its variables set (replacing the
 * base's), its folders put in front of the base's PATH (or of the usual PATH when it has none).
 */
export function withDependencyEnv(
  config: ContainerConfig,
  install: Pick<DependencyInstall, 'imageEnv' | 'pathPrepend'>,
): ContainerConfig {
  const additions = Object.entries(install.imageEnv);
  if (additions.length === 0 && install.pathPrepend.length === 0) return config;
  const env = [...(config.Env ?? [])];
  const set = (name: string, value: string) => {
    const at = env.findIndex((entry) => entry.split('=', 1)[0] === name);
    if (at === -1) env.push(`${name}=${value}`);
    else env[at] = `${name}=${value}`;
  };
  for (const [name, value] of additions) set(name, value);
  if (install.pathPrepend.length) {
    const current = env.find((entry) => entry.startsWith('PATH='))?.slice('PATH='.length);
    const base = current || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
    const parts = base.split(':').filter((part) => !install.pathPrepend.includes(part));
    set('PATH', [...install.pathPrepend, ...parts].join(':'));
  }
  return { ...config, Env: env };
}
