import { ArchiveRejection } from './archive-rejection';
import { quotedName } from './entry-name';
import type { UnpackLimits } from './unpack-limits';

/** Folders that archivers add and nobody deploys. */
const DEBRIS_TOP_FOLDERS = new Set(['__MACOSX']);

/**
 * An archive entry's path made relative and clean, or null for entries to skip (the root itself,
 * macOS resource forks). Refuses absolute paths, drive letters, `..` anywhere, NUL, whiteout
 * names, and paths over the limit.
 */
export function sanitizeArchivePath(
  raw: string,
  limits: UnpackLimits,
  options: { backslashIsSeparator: boolean },
): string | null {
  const shown = quotedName(raw);
  if (Buffer.byteLength(raw) > limits.maxPathBytes) {
    throw new ArchiveRejection(`the archive entry ${shown} has a path longer than ${limits.maxPathBytes} bytes`);
  }
  if (raw.includes('\0')) throw new ArchiveRejection(`the archive entry ${shown} has a NUL byte in its path`);
  const path = options.backslashIsSeparator ? raw.replace(/\\/g, '/') : raw;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    throw new ArchiveRejection(`the archive entry ${shown} has an absolute path`);
  }
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new ArchiveRejection(`the archive entry ${shown} climbs out of the archive with ".."`);
    if (part.startsWith('.wh.')) {
      throw new ArchiveRejection(
        `the archive entry ${shown} has a whiteout name (".wh."), which would delete files of the base image`,
      );
    }
    parts.push(part);
  }
  if (parts.length === 0 || DEBRIS_TOP_FOLDERS.has(parts[0])) return null;
  return parts.join('/');
}

/**
 * Refuses a symlink whose target is absolute or leads out of the root it is unpacked into. The
 * target is resolved by its text; a target that passes through another symlink of the package is
 * refused too, since there the text and the file system could disagree (`d -> .`, `c -> d/..`).
 */
export function checkSymlinkTarget(
  linkPath: string,
  target: string,
  limits: UnpackLimits,
  isSymlink: (path: string) => boolean,
): void {
  const shown = `the symlink ${JSON.stringify(linkPath)} → ${JSON.stringify(target)}`;
  if (target === '' || target.includes('\0')) throw new ArchiveRejection(`${shown} has an invalid target`);
  if (Buffer.byteLength(target) > limits.maxPathBytes) {
    throw new ArchiveRejection(`${shown} has a target longer than ${limits.maxPathBytes} bytes`);
  }
  if (target.startsWith('/')) throw new ArchiveRejection(`${shown} points to an absolute path`);
  const resolved = linkPath.split('/').slice(0, -1);
  const parts = target.split('/').filter((part) => part !== '' && part !== '.');
  for (const [i, part] of parts.entries()) {
    if (i > 0 && resolved.length > 0 && isSymlink(resolved.join('/'))) {
      throw new ArchiveRejection(`${shown} passes through another symlink`);
    }
    if (part === '..') {
      if (resolved.length === 0) throw new ArchiveRejection(`${shown} points outside the package`);
      resolved.pop();
    } else {
      resolved.push(part);
    }
  }
}

/** Unix file mode bits to what a deployed file needs: 0755 when any execute bit is set, else 0644. */
export function normalizeFileMode(mode: number | null): number {
  return mode !== null && (mode & 0o111) !== 0 ? 0o755 : 0o644;
}
