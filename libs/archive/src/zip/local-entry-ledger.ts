import { crc32 } from 'node:zlib';

import type { ArchiveGuard } from '../archive-guard';
import { ArchiveRejection } from '../archive-rejection';
import { quotedName, shortName } from '../entry-name';
import { checkZipExtents, type ZipExtent } from './zip-layout';
import { type CentralHeader, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from './zip-records';

/**
 * A zip says which entries are symlinks only in its central directory, after their data went by,
 * so the contents of small entries (possible symlink targets) are kept up to this many bytes.
 */
const MAX_KEPT_SMALL_CONTENT_BYTES = 4 * 1024 * 1024;

/** A local entry as the streaming reader read it, when its data ended. */
export interface LocalEntryRead {
  path: string;
  /** The clean path (null: skipped, e.g. __MACOSX). */
  safePath: string | null;
  nameCrc: number;
  nameLength: number;
  /** Where the local header starts. */
  offset: number;
  /** End of the data (before any data descriptor). */
  end: number;
  compressedSize: number;
  /** The bytes its data actually inflated to. */
  size: number;
  /** The entry's first bytes, when it is at most `guard.limits.maxPathBytes` long (a possible symlink target). */
  head: Buffer[];
  headBytes: number;
}

/** A local entry as it was read: what the central directory must agree with. */
interface LocalRecord extends Pick<LocalEntryRead, 'nameCrc' | 'nameLength' | 'offset' | 'end' | 'compressedSize' | 'size'> {
  /** For messages only (shortened). */
  name: string;
  /** The clean path, kept with `small` only (a symlink needs it). */
  path: string | null;
  /** The whole content of a small entry, while the budget lasts; null otherwise. */
  small: Buffer | null;
  claimed: boolean;
}

/**
 * The streaming zip reader's record of every local entry (where it lies, its name's CRC and the
 * sizes its data actually had), against which the central directory is then checked: each of its
 * entries must name a local header actually read, under the same name and with the same sizes, no
 * two may share one (checkZipExtents), and no local entry may be missing from it. So what an
 * extractor that trusts the central directory unpacks is exactly what the reader counted.
 */
export class LocalEntryLedger {
  private readonly locals = new Map<number, LocalRecord>();
  private keptSmallBytes = 0;
  /** Where the central directory starts, once its first entry is met. */
  private directoryOffset: number | null = null;
  private readonly extents: ZipExtent[] = [];
  private checked = false;

  constructor(private readonly guard: ArchiveGuard) {}

  /** True once a central directory entry was met: no local entry may follow. */
  get directoryStarted(): boolean {
    return this.directoryOffset !== null;
  }

  record(entry: LocalEntryRead): void {
    let small: Buffer | null = null;
    if (
      entry.headBytes <= this.guard.limits.maxPathBytes &&
      this.keptSmallBytes + entry.headBytes <= MAX_KEPT_SMALL_CONTENT_BYTES
    ) {
      small = Buffer.concat(entry.head);
      this.keptSmallBytes += small.length;
    }
    this.locals.set(entry.offset, {
      name: shortName(entry.path),
      path: small === null ? null : entry.safePath,
      nameCrc: entry.nameCrc,
      nameLength: entry.nameLength,
      offset: entry.offset,
      end: entry.end,
      compressedSize: entry.compressedSize,
      size: entry.size,
      small,
      claimed: false,
    });
  }

  /**
   * One entry of the central directory (its header at archive offset `at`), checked against the
   * local entry it points at. A symlink or a special file shows here only (in the Unix mode of
   * the external attributes).
   */
  claim(header: CentralHeader, at: number): void {
    this.directoryOffset ??= at;
    const { name, nameBytes, compressedSize, size, offset } = header;
    const shown = quotedName(name);
    const record = this.locals.get(offset);
    if (!record) {
      throw new ArchiveRejection(
        `corrupt zip archive: the central directory entry ${shown} points at byte ${offset}, where no entry of the archive starts`,
      );
    }
    const extent = { name, offset, end: record.end };
    // A second central entry on the same local one: the overlapping-entries zip bomb.
    if (record.claimed) checkZipExtents([{ ...extent, name: record.name }, extent], Number.MAX_SAFE_INTEGER);
    if (record.nameCrc !== crc32(nameBytes) || record.nameLength !== nameBytes.length) {
      throw new ArchiveRejection(
        `corrupt zip archive: the central directory names ${shown} where the local header at byte ${offset} names ${JSON.stringify(record.name)}`,
      );
    }
    if (record.compressedSize !== compressedSize || record.size !== size) {
      throw new ArchiveRejection(
        `corrupt zip archive: the central directory declares ${shown} as ${size} bytes (${compressedSize} compressed), ` +
          `but its data holds ${record.size} (${record.compressedSize} compressed)`,
      );
    }
    record.claimed = true;
    this.extents.push(extent);
    const mode = header.unixMode ?? 0;
    const kind = mode & S_IFMT;
    if (mode !== 0 && kind === S_IFLNK && !name.endsWith('/')) {
      if (record.small === null) {
        if (record.size > this.guard.limits.maxPathBytes) {
          throw new ArchiveRejection(`the symlink ${shown} has a target longer than ${this.guard.limits.maxPathBytes} bytes`);
        }
        throw new ArchiveRejection(
          `the symlink ${shown} could not be checked: it follows more than ${MAX_KEPT_SMALL_CONTENT_BYTES} bytes of small entries`,
        );
      }
      if (record.path !== null) this.guard.symlink(record.path, record.small.toString('utf8'));
    } else if (mode !== 0 && kind !== S_IFREG && kind !== S_IFDIR && kind !== 0) {
      throw new ArchiveRejection(
        `the archive entry ${shown} is a special file (mode ${kind.toString(8)}), which a package cannot hold`,
      );
    }
    record.small = null;
  }

  /**
   * At the end of the central directory (archive offset `at`): every local entry listed once, no
   * two sharing bytes, links checked against the top folder a build strips.
   */
  finish(at: number, topFolder: string | null): void {
    if (this.checked) return;
    this.checked = true;
    for (const record of this.locals.values()) {
      if (!record.claimed) {
        throw new ArchiveRejection(
          `corrupt zip archive: the entry ${JSON.stringify(record.name)} at byte ${record.offset} is missing from the central directory`,
        );
      }
    }
    checkZipExtents(this.extents, this.directoryOffset ?? at);
    this.guard.finish(topFolder);
    this.locals.clear();
    this.extents.length = 0;
  }
}
