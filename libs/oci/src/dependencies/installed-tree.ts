import { constants } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';

import {
  ArchiveRejection,
  checkSymlinkTarget,
  normalizeFileMode,
  resolveUnpackLimits,
  type UnpackLimits,
} from '@stagecraft/archive';

import type { LayerEntry } from '../layer-entry';
import { DependencyError } from './dependency.errors';

export interface InstalledTreeOptions {
  /** The same limits as a package's: what an install may leave behind. */
  limits?: Partial<UnpackLimits>;
  /** When set, every file and folder must belong to this uid: the user the install ran as, outside its user namespace. */
  owner?: number;
}

export interface InstalledTree {
  entries: LayerEntry[];
  files: number;
  bytes: number;
}

/**
 * What an install left in `dir`, as layer entries under `containerPath` (the folder's path in the
 * image). The folder was written by code this process does not trust (the base image's npm or
 * pip), so it is read the careful way: nothing is followed (symlinks are kept as links and must
 * stay inside the folder, files are opened with O_NOFOLLOW), devices, FIFOs and sockets are
 * refused, and the archive limits apply. Modes are normalised (0755 folders, 0644 or 0755 files:
 * no setuid, no group or world write), so the layer does not depend on a umask.
 */
export async function readInstalledTree(
  dir: string,
  containerPath: string,
  options: InstalledTreeOptions = {},
): Promise<InstalledTree> {
  const limits = resolveUnpackLimits(options.limits);
  const root = posix.normalize(containerPath).replace(/^\/+|\/+$/g, '');
  const entries: LayerEntry[] = [{ type: 'directory', path: root, mode: 0o755 }];
  const symlinks = new Set<string>();
  let files = 0;
  let bytes = 0;
  const fail = (message: string) => new DependencyError('DEPENDENCY_INSTALL_FAILED', `the install left ${message}`);
  const top = await lstat(dir).catch(() => null);
  if (!top?.isDirectory()) throw fail(`no folder ${containerPath}`);

  const links: { relative: string; target: string }[] = [];
  const walk = async (hostDir: string, relative: string): Promise<void> => {
    for (const name of (await readdir(hostDir)).sort()) {
      const hostPath = join(hostDir, name);
      const rel = relative ? `${relative}/${name}` : name;
      const stats = await lstat(hostPath);
      if (options.owner !== undefined && stats.uid !== options.owner)
        throw fail(`${posix.join(containerPath, rel)} owned by uid ${stats.uid}, not the install's`);
      if (entries.length >= limits.maxEntries) throw fail(`more than ${limits.maxEntries} files and folders`);
      if (Buffer.byteLength(rel) > limits.maxPathBytes) throw fail(`a path longer than ${limits.maxPathBytes} bytes`);
      const path = `${root}/${rel}`;
      if (stats.isDirectory()) {
        entries.push({ type: 'directory', path, mode: 0o755 });
        await walk(hostPath, rel);
      } else if (stats.isSymbolicLink()) {
        const target = await readlink(hostPath);
        links.push({ relative: rel, target });
        symlinks.add(rel);
        entries.push({ type: 'symlink', path, target });
      } else if (stats.isFile()) {
        bytes += stats.size;
        if (bytes > limits.maxTotalBytes) throw fail(`more than ${limits.maxTotalBytes} bytes`);
        files++;
        const size = stats.size;
        entries.push({ type: 'file', path, mode: normalizeFileMode(stats.mode), size, open: () => openNoFollow(hostPath) });
      } else {
        throw fail(`${posix.join(containerPath, rel)}, which is neither a file, a folder nor a symlink`);
      }
    }
  };
  await walk(dir, '');
  for (const { relative, target } of links) {
    try {
      checkSymlinkTarget(relative, target, limits, (path) => symlinks.has(path));
    } catch (error) {
      if (error instanceof ArchiveRejection) throw fail(`a symlink that leaves ${containerPath}: ${error.message}`);
      throw error;
    }
  }
  return { entries, files, bytes };
}

async function openNoFollow(path: string): Promise<Readable> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  return handle.createReadStream({ highWaterMark: 256 * 1024 });
}
