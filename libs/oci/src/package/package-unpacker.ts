import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  type ArchiveFormat,
  type ArchiveItem,
  checkSymlinkTarget,
  readZipItems,
  resolveUnpackLimits,
  sniffArchiveFile,
  stageTarItems,
  TopFolderTracker,
  type UnpackLimits,
} from '@stagecraft/archive';

import { PackageRejectedError } from '../assembly.errors';
import type { LayerEntry } from '../layer-entry';
import { asPackageRejection, openAsPackage } from './package-rejection';

export interface UnpackOptions {
  /** Where the contents go in the image, e.g. `/app`. */
  root: string;
  /** Drop one folder that holds everything (npm's `package/`, `myapp-1.0/`). */
  stripSingleTopFolder: boolean;
  limits?: Partial<UnpackLimits>;
  /** Parent of the staging folder a tar is unpacked into; the OS temp folder by default. */
  tmpDir?: string;
}

export interface UnpackedPackage {
  format: ArchiveFormat;
  /** Layer entries under `root`; files are read from the archive (zip) or the staging folder (tar). */
  entries: LayerEntry[];
  files: number;
  bytes: number;
  /** The folder that was stripped, if any. */
  strippedFolder: string | null;
  /** Paths relative to `root`, to look for well-known files. */
  has(path: string): boolean;
  /** The top-level `Procfile` (after stripping), as text: it may set the container's command (stack-layout.ts). */
  procfile: string | null;
  /** Removes the staging folder; call it once the layer is written. */
  cleanup(): Promise<void>;
}

/**
 * A package archive (zip, tar.gz or tar) as layer entries under `root`, read in a streaming way
 * by @stagecraft/archive and checked by the same ArchiveGuard rules as inspection at upload: no
 * absolute paths, no `..`, no symlink leading outside, no hard links or devices, no overlapping
 * zip entries, entry count, unpacked size and compression ratio within the limits; then no entry
 * inside a file or symlink and no duplicates. An unsafe or corrupt archive fails with a
 * PackageRejectedError, now or when an entry is read.
 */
export async function unpackPackage(file: string, options: UnpackOptions): Promise<UnpackedPackage> {
  try {
    return await unpack(file, options);
  } catch (err) {
    throw asPackageRejection(err);
  }
}

async function unpack(file: string, options: UnpackOptions): Promise<UnpackedPackage> {
  const limits = resolveUnpackLimits(options.limits);
  const format = await sniffArchiveFile(file);
  if (!format) throw new PackageRejectedError('the package is not a zip, tar.gz or tar archive');
  let staging: string | null = null;
  const cleanup = async () => {
    if (staging) await rm(staging, { recursive: true, force: true });
    staging = null;
  };
  try {
    let items: ArchiveItem[];
    if (format === 'zip') {
      items = await readZipItems(file, limits);
    } else {
      staging = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'stagecraft-unpack-'));
      items = await stageTarItems(file, format === 'tar.gz', staging, limits);
    }
    const strippedFolder = options.stripSingleTopFolder ? singleTopFolder(items) : null;
    if (strippedFolder) items = strip(items, strippedFolder);
    const byPath = checkTree(items, limits);
    const root = options.root.replace(/^\/+|\/+$/g, '');
    const under = (path: string) => (root ? `${root}/${path}` : path);
    const entries = [...byPath.values()].map((item): LayerEntry => {
      switch (item.type) {
        case 'directory':
          return { type: 'directory', path: under(item.path), mode: item.mode };
        case 'symlink':
          return { type: 'symlink', path: under(item.path), target: item.target };
        case 'file':
          return { type: 'file', path: under(item.path), mode: item.mode, size: item.size, open: () => openAsPackage(item.open) };
      }
    });
    const files = items.filter((i) => i.type === 'file');
    const procfile = await readProcfile(byPath.get(PROCFILE));
    return {
      format,
      entries,
      files: files.length,
      bytes: files.reduce((sum, i) => sum + (i.type === 'file' ? i.size : 0), 0),
      strippedFolder,
      has: (path) => byPath.has(path),
      procfile,
      cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

const PROCFILE = 'Procfile';
/** A Procfile is a few lines; anything larger is not one. */
const MAX_PROCFILE_BYTES = 64 * 1024;

/** The Procfile's text; a Procfile that is not a small regular file is refused rather than ignored, since it would change the command. */
async function readProcfile(item: ArchiveItem | undefined): Promise<string | null> {
  if (!item) return null;
  if (item.type !== 'file') throw new PackageRejectedError(`the package's ${PROCFILE} is a ${item.type}, not a file`);
  if (item.size > MAX_PROCFILE_BYTES)
    throw new PackageRejectedError(`the package's ${PROCFILE} has ${item.size} bytes; at most ${MAX_PROCFILE_BYTES} are allowed`);
  const parts: Buffer[] = [];
  for await (const chunk of await item.open()) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** The one top-level folder everything sits in, when there is exactly one and something is inside it. */
function singleTopFolder(items: ArchiveItem[]): string | null {
  const top = new TopFolderTracker();
  for (const item of items) top.add(item.path, item.type === 'directory');
  return top.folder;
}

function strip(items: ArchiveItem[], folder: string): ArchiveItem[] {
  return items.filter((item) => item.path !== folder).map((item) => ({ ...item, path: item.path.slice(folder.length + 1) }));
}

function checkTree(items: ArchiveItem[], limits: UnpackLimits): Map<string, ArchiveItem> {
  const byPath = new Map<string, ArchiveItem>();
  for (const item of items) {
    const existing = byPath.get(item.path);
    if (existing && !(existing.type === 'directory' && item.type === 'directory')) {
      throw new PackageRejectedError(`the archive holds ${JSON.stringify(item.path)} twice`);
    }
    byPath.set(item.path, item);
  }
  for (const item of byPath.values()) {
    for (let slash = item.path.indexOf('/'); slash !== -1; slash = item.path.indexOf('/', slash + 1)) {
      const parent = byPath.get(item.path.slice(0, slash));
      if (parent && parent.type !== 'directory') {
        throw new PackageRejectedError(
          `the archive entry ${JSON.stringify(item.path)} lies inside the ${parent.type} ${JSON.stringify(parent.path)}`,
        );
      }
    }
    if (item.type === 'symlink')
      checkSymlinkTarget(item.path, item.target, limits, (path) => byPath.get(path)?.type === 'symlink');
  }
  return byPath;
}
