import type { ArchiveGuard } from '../archive-guard';
import { ArchiveRejection } from '../archive-rejection';
import {
  type CentralHeader,
  FLAG_ENCRYPTED,
  METHOD_DEFLATED,
  METHOD_STORED,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
} from './zip-records';

/** A central directory entry the guard let through: its clean path and what a build makes of it. */
export interface GuardedZipEntry {
  path: string;
  kind: 'directory' | 'file' | 'symlink';
}

/**
 * One central directory entry held to the guard's rules, as far as the directory alone tells:
 * its kind by name and Unix mode (special files refused), path, encryption and method, a symlink
 * target's declared length, and a file's declared size against the ratio and total limits (the
 * readers that read its data then hold it to that size). Null for an entry to skip. Shared by
 * readZipItems and scanZipDirectory, so upload and build decide alike.
 */
export function guardZipEntry(guard: ArchiveGuard, entry: CentralHeader): GuardedZipEntry | null {
  const kind = entry.unixMode === null ? null : entry.unixMode & S_IFMT;
  const isDirectory = entry.name.endsWith('/') || kind === S_IFDIR;
  const isSymlink = !isDirectory && kind === S_IFLNK;
  // No type bits (Python's zipfile writes 0o600 so) is a regular file, as for unzip and the streaming reader.
  const isFile = !isDirectory && !isSymlink && (kind === null || kind === 0 || kind === S_IFREG);
  if (!isDirectory && !isSymlink && !isFile) {
    guard.entry(entry.name, 'special', { typeName: `special file (mode ${(kind ?? 0).toString(8)})` });
  }
  if (isSymlink) {
    // The target is the entry's data: the caller reads it and hands it to guard.symlink.
    const linkPath = guard.entry(entry.name, 'file');
    if (linkPath === null) return null;
    checkReadable(entry);
    if (entry.size > guard.limits.maxPathBytes)
      throw new ArchiveRejection(
        `the symlink ${JSON.stringify(linkPath)} has a target longer than ${guard.limits.maxPathBytes} bytes`,
      );
    return { path: linkPath, kind: 'symlink' };
  }
  const path = guard.entry(entry.name, isDirectory ? 'directory' : 'file');
  if (path === null) return null;
  checkReadable(entry);
  if (isDirectory) return { path, kind: 'directory' };
  // The declared size is what the entry may inflate to (its readers stop it past that).
  guard.checkRatio(entry.name, entry.size, entry.compressedSize);
  guard.addUnpacked(entry.size);
  return { path, kind: 'file' };
}

function checkReadable(entry: CentralHeader): void {
  if (entry.flags & FLAG_ENCRYPTED) throw new ArchiveRejection(`the zip entry ${JSON.stringify(entry.name)} is encrypted`);
  if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATED) {
    throw new ArchiveRejection(
      `the zip entry ${JSON.stringify(entry.name)} uses compression method ${entry.method} (only stored and deflate are supported)`,
    );
  }
}
