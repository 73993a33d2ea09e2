import type { ArchiveFormat } from './archive-format';
import { checkSymlinkTarget, sanitizeArchivePath } from './archive-path';
import { ArchiveRejection } from './archive-rejection';
import { quotedName } from './entry-name';
import type { UnpackLimits } from './unpack-limits';

/** What an entry is, as far as safety goes; `special` covers devices, FIFOs and sockets. */
export type GuardedKind = 'file' | 'directory' | 'symlink' | 'hardlink' | 'special';

/** Symlinks are remembered (for the checks that need them all); this bounds what that costs. */
const MAX_SYMLINK_BOOKKEEPING_BYTES = 16 * 1024 * 1024;

/**
 * The archive-safety rules every reader of a package applies, whatever the format and whoever
 * reads it (inspection at upload, the unpacker of a build): entry count, clean relative paths,
 * no hard links, devices, FIFOs or sockets, symlinks that stay inside the tree, and unpacked
 * bytes counted as they are produced, so that neither the total nor the compression ratio of an
 * entry can pass its limit by more than one chunk, whatever the archive declares.
 */
export class ArchiveGuard {
  private entries = 0;
  private unpacked = 0;
  private readonly symlinks = new Map<string, string>();
  private symlinkBytes = 0;

  constructor(
    readonly limits: UnpackLimits,
    readonly format: ArchiveFormat,
  ) {}

  /** For formats that say their entry count up front (a zip's end record). */
  expectEntries(count: number): void {
    if (count > this.limits.maxEntries) {
      throw new ArchiveRejection(`the archive has ${count} entries, more than the limit of ${this.limits.maxEntries}`);
    }
  }

  /**
   * One entry's header: counts it and checks its path and kind. Returns the clean relative path,
   * or null for entries to skip (the root itself, macOS resource forks).
   */
  entry(name: string, kind: GuardedKind, details: { linkTarget?: string; typeName?: string } = {}): string | null {
    if (++this.entries > this.limits.maxEntries) {
      throw new ArchiveRejection(`the archive has more than the limit of ${this.limits.maxEntries} entries`);
    }
    const path = sanitizeArchivePath(name, this.limits, { backslashIsSeparator: this.format === 'zip' });
    const shown = quotedName(name);
    switch (kind) {
      case 'hardlink':
        throw new ArchiveRejection(`the archive entry ${shown} is a hard link (not supported; archive a copy instead)`);
      case 'special':
        throw new ArchiveRejection(
          `the archive entry ${shown} is a ${details.typeName ?? 'special file'}, which a package cannot hold`,
        );
      case 'symlink':
        if (path !== null) this.symlink(path, details.linkTarget ?? '');
        break;
      case 'file':
      case 'directory':
        break;
    }
    return path;
  }

  /** A symlink whose kind is known only after its header (a zip's central directory). */
  symlink(path: string, target: string): void {
    checkSymlinkTarget(path, target, this.limits, () => false);
    this.symlinkBytes += Buffer.byteLength(path) + Buffer.byteLength(target);
    if (this.symlinkBytes > MAX_SYMLINK_BOOKKEEPING_BYTES) {
      throw new ArchiveRejection(`the archive holds more symlinks than can be checked (${this.symlinks.size})`);
    }
    this.symlinks.set(path, target);
  }

  /** Unpacked file bytes, as they are produced; throws once the total passes its limit. */
  addUnpacked(bytes: number): void {
    this.unpacked += bytes;
    if (this.unpacked > this.limits.maxTotalBytes) {
      throw new ArchiveRejection(
        `the archive unpacks to more than the limit of ${this.limits.maxTotalBytes} bytes (total unpacked size)`,
      );
    }
  }

  get unpackedBytes(): number {
    return this.unpacked;
  }

  /**
   * Throws when `unpacked` bytes came from `packed` compressed ones at more than the ratio
   * limit, once past the floor that lets small, very repetitive files through. `what` names the
   * entry (zip) or is null for a whole compressed stream (tar.gz).
   */
  checkRatio(what: string | null, unpacked: number, packed: number): void {
    const { maxRatio, ratioMinBytes } = this.limits;
    if (unpacked <= ratioMinBytes || unpacked <= maxRatio * packed) return;
    const which = what === null ? '' : `, the entry ${JSON.stringify(what)}`;
    throw new ArchiveRejection(
      `the ${this.format} archive unpacks to more than ${maxRatio} times its size ` +
        `(${unpacked} bytes from ${packed}${which}; the compression ratio limit is ${maxRatio}:1 ` +
        `past ${ratioMinBytes} bytes): refusing a likely decompression bomb`,
    );
  }

  /**
   * After the last entry: refuses a symlink that passes through another one, and one that leads
   * out of the single top folder a build strips (npm's `package/`), checked as the build will see it.
   */
  finish(topFolder: string | null): void {
    const isSymlink = (path: string) => this.symlinks.has(path);
    for (const [path, target] of this.symlinks) {
      checkSymlinkTarget(path, target, this.limits, isSymlink);
      if (topFolder !== null && path.startsWith(`${topFolder}/`)) {
        const inner = path.slice(topFolder.length + 1);
        checkSymlinkTarget(inner, target, this.limits, (p) => this.symlinks.has(`${topFolder}/${p}`));
      }
    }
  }
}
