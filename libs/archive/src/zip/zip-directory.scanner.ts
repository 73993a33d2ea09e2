import { crc32 } from 'node:zlib';

import { ArchiveGuard } from '../archive-guard';
import { type ArchiveEntrySink, MAX_WANTED_ENTRY_BYTES } from '../archive-reader';
import type { ByteRangeSource } from '../byte-range-source';
import { TopFolderTracker } from '../top-folder';
import type { UnpackLimits } from '../unpack-limits';
import { compressedBytesFor, type EntryRead, groupEntryReads, type ReadGroup } from './entry-read-plan';
import { inflateHead } from './inflate-head';
import { type CentralDirectoryLocation, findCentralDirectory, readCentralDirectory, readRange } from './zip-central-directory';
import { guardZipEntry } from './zip-entry-guard';
import { checkZipExtents } from './zip-layout';
import { type CentralHeader, LOCAL_HEADER_BYTES, METHOD_STORED, ZIP_SIGNATURE } from './zip-records';
import { corruptZip, failsCrc, unpacksPastDeclared, unpacksToOtherSize, unreadableEntry } from './zip-verdicts';

/*
 * A zip inspected through its central directory alone, by ranged reads: the end record and the
 * directory (which name every entry with its declared sizes and mode), then only the entries whose
 * data is needed: symlink targets, and what the sink wants. What the directory tells is held to the
 * same rules as readZipItems holds it to (guardZipEntry); what only the data tells (every local
 * header, actual inflated sizes, CRCs) readZipItems checks when a build unpacks the archive, before
 * anything of it runs.
 */

/**
 * Reads of entries' data (past the end record and the directory) a scan makes at most. A zip that
 * needs more (thousands of symlinks spread through it) is cheaper to stream whole.
 */
export const MAX_SCAN_ENTRY_READS = 64;
/** A directory larger than this is not held in memory: such a zip is streamed instead. */
const MAX_HELD_DIRECTORY_BYTES = 32 * 1024 * 1024;

/**
 * How a scan went, with what it cost. `complete: false` says the archive cannot be judged within
 * the scan's bounds (`reason` says why): no verdict either way, stream it whole (ZipStreamReader)
 * with a fresh sink, since this one may have heard some or all of its entries.
 */
export type ZipDirectoryScan =
  | { complete: true; entries: number; reads: number; bytesRead: number }
  | { complete: false; reason: string; reads: number; bytesRead: number };

/**
 * Tells `sink` of every entry of the zip in `source`, in directory order, under its clean path
 * (entries the guard skips, such as __MACOSX/, are left out), and gives it the first
 * MAX_WANTED_ENTRY_BYTES of each entry it wants (an entry's data: for a symlink, its target).
 * Rejects with ArchiveRejection for a bad archive, and with the source's own error when a read fails.
 */
export async function scanZipDirectory(
  source: ByteRangeSource,
  limits: UnpackLimits,
  sink: ArchiveEntrySink,
): Promise<ZipDirectoryScan> {
  const counted = new CountingSource(source);
  try {
    const guard = new ArchiveGuard(limits, 'zip');
    const location = await findCentralDirectory(counted, guard);
    if (location.size > MAX_HELD_DIRECTORY_BYTES) {
      throw new IncompleteScan(
        `its central directory has ${location.size} bytes, more than the ${MAX_HELD_DIRECTORY_BYTES} a scan holds`,
      );
    }
    const headers = await readCentralDirectory(counted, location);
    await new EntryScan(counted, guard, location, sink).run(headers);
    return { complete: true, entries: headers.length, reads: counted.reads, bytesRead: counted.bytes };
  } catch (err) {
    if (!(err instanceof IncompleteScan)) throw err;
    return { complete: false, reason: err.message, reads: counted.reads, bytesRead: counted.bytes };
  }
}

/** Thrown inside a scan that has to give up; scanZipDirectory turns it into `complete: false`. */
class IncompleteScan extends Error {}

/** The directory's entries through the guard and to the sink, then the reads of the few whose data is needed. */
class EntryScan {
  /** Source reads made before the entries' data was read: the end record and the directory. */
  private readonly readsBefore: number;

  constructor(
    private readonly source: CountingSource,
    private readonly guard: ArchiveGuard,
    private readonly location: CentralDirectoryLocation,
    private readonly sink: ArchiveEntrySink,
  ) {
    this.readsBefore = source.reads;
  }

  async run(headers: readonly CentralHeader[]): Promise<void> {
    checkEntryArea(headers, this.location.offset);
    const top = new TopFolderTracker();
    const reads: EntryRead[] = [];
    for (const header of headers) {
      const guarded = guardZipEntry(this.guard, header);
      if (guarded === null) continue;
      const isDirectory = guarded.kind === 'directory';
      top.add(guarded.path, isDirectory);
      const wanted = this.sink.entry(guarded.path, isDirectory);
      if (isDirectory) {
        // A build makes a directory of it and never reads its data.
        if (wanted) this.sink.content(guarded.path, Buffer.alloc(0));
        continue;
      }
      checkStoredSize(header);
      const symlink = guarded.kind === 'symlink';
      if (wanted || symlink) reads.push(planRead(header, guarded.path, symlink, wanted));
    }
    const groups = groupEntryReads(reads, this.location.offset);
    const needed = groups.filter((group) => group.start < this.location.tail.start).length;
    if (needed > MAX_SCAN_ENTRY_READS) {
      throw new IncompleteScan(
        `it needs ${needed} reads for ${reads.length} symlink targets and wanted entries, more than ${MAX_SCAN_ENTRY_READS}`,
      );
    }
    for (const group of groups) await this.readGroup(group);
    this.guard.finish(top.folder);
  }

  private async readGroup(group: ReadGroup): Promise<void> {
    const bytes = await this.read(group.start, group.end - group.start);
    // Bytes within the group come from it; a long local name or extra field costs one more read.
    const at = (start: number, length: number): Promise<Buffer> =>
      start >= group.start && start + length <= group.end
        ? Promise.resolve(bytes.subarray(start - group.start, start + length - group.start))
        : this.read(start, length);
    for (const read of group.reads) await this.readEntry(read, at);
  }

  private async readEntry(read: EntryRead, at: (start: number, length: number) => Promise<Buffer>): Promise<void> {
    const { header } = read;
    const name = JSON.stringify(header.name);
    const local = await at(header.offset, LOCAL_HEADER_BYTES);
    if (local.readUInt32LE(0) !== ZIP_SIGNATURE.LOCAL_HEADER) throw corruptZip(`the local header of ${name} is missing`);
    const nameLength = local.readUInt16LE(26);
    const localName = await at(header.offset + LOCAL_HEADER_BYTES, nameLength);
    if (!localName.equals(header.nameBytes)) {
      throw corruptZip(
        `the central directory names ${name} where the local header at byte ${header.offset} names ${JSON.stringify(localName.toString('utf8'))}`,
      );
    }
    const dataStart = header.offset + LOCAL_HEADER_BYTES + nameLength + local.readUInt16LE(28);
    checkZipExtents([{ name: header.name, offset: header.offset, end: dataStart + header.compressedSize }], this.location.offset);
    const bytes = await unpackHead(read, await at(dataStart, read.dataLength));
    if (read.symlink) this.guard.symlink(read.path, bytes.toString('utf8'));
    // A copy, so what the sink keeps never pins a whole read.
    if (read.wanted) this.sink.content(read.path, Buffer.from(bytes.subarray(0, MAX_WANTED_ENTRY_BYTES)));
  }

  /** One read of the archive; past the read budget the scan gives up rather than read on. */
  private async read(start: number, length: number): Promise<Buffer> {
    const fromSource = length > 0 && start < this.location.tail.start;
    if (fromSource && this.source.reads - this.readsBefore >= MAX_SCAN_ENTRY_READS) {
      throw new IncompleteScan(`it needs more than ${MAX_SCAN_ENTRY_READS} reads for symlink targets and wanted entries`);
    }
    return readRange(this.source, start, length, this.location.tail);
  }
}

/** What of an entry is read: all of a symlink, enough of a wanted file for its first MAX_WANTED_ENTRY_BYTES. */
function planRead(header: CentralHeader, path: string, symlink: boolean, wanted: boolean): EntryRead {
  const limit = symlink ? header.size : Math.min(header.size, MAX_WANTED_ENTRY_BYTES);
  if (header.method === METHOD_STORED) return { header, path, symlink, wanted, limit, dataLength: limit };
  const bound = compressedBytesFor(limit);
  if (symlink && header.compressedSize > bound) {
    // No real writer needs this much; the streaming reader inflates it all.
    throw new IncompleteScan(
      `the symlink ${JSON.stringify(header.name)} has ${header.compressedSize} compressed bytes for a ${header.size}-byte target`,
    );
  }
  return { header, path, symlink, wanted, limit, dataLength: Math.min(header.compressedSize, bound) };
}

/**
 * The entry's first `read.limit` bytes from the compressed `data` read for it. Entirely read, its
 * data is held to the declared size and CRC-32 as readZipItems holds it; a prefix to the size only.
 */
async function unpackHead(read: EntryRead, data: Buffer): Promise<Buffer> {
  const { header, limit } = read;
  const whole = data.length === header.compressedSize;
  if (header.method === METHOD_STORED || header.compressedSize === 0) {
    if (whole) verify(header, data);
    return data;
  }
  let head;
  try {
    head = await inflateHead(data, limit, whole);
  } catch (err) {
    throw unreadableEntry(header.name, err as Error);
  }
  if (head.more) {
    if (limit === header.size) throw unpacksPastDeclared(header.name, header.size);
    return head.bytes;
  }
  if (whole || head.endedEarly) {
    verify(header, head.bytes);
    return head.bytes;
  }
  if (head.bytes.length < limit) {
    throw new IncompleteScan(
      `the first ${limit} bytes of ${JSON.stringify(header.name)} do not inflate from its first ${data.length} compressed bytes`,
    );
  }
  return head.bytes;
}

/** All of an entry's bytes, against the size and CRC-32 the directory declares. */
function verify(header: CentralHeader, bytes: Buffer): void {
  if (bytes.length > header.size) throw unpacksPastDeclared(header.name, header.size);
  if (bytes.length < header.size) throw unpacksToOtherSize(header.name, bytes.length, header.size);
  if (crc32(bytes) >>> 0 !== header.crc) throw failsCrc(header.name);
}

/**
 * Every local header where the directory says must lie before the directory, and no two entries
 * may share bytes. The local extra field is unknown here, so each extent runs from the local
 * header through a name as long as the directory's and the compressed data: no longer than the
 * true one (readZipItems refuses a local name that differs), so whatever this refuses, it refuses.
 */
function checkEntryArea(headers: readonly CentralHeader[], directoryOffset: number): void {
  for (const header of headers) {
    if (header.offset + LOCAL_HEADER_BYTES > directoryOffset)
      throw corruptZip(`the entry ${JSON.stringify(header.name)} lies outside the archive's entries`);
  }
  checkZipExtents(
    headers.map((header) => ({
      name: header.name,
      offset: header.offset,
      end: header.offset + LOCAL_HEADER_BYTES + header.nameBytes.length + header.compressedSize,
    })),
    directoryOffset,
  );
}

/** Stored data is the entry itself: sizes that differ are refused by readZipItems when it reads the entry. */
function checkStoredSize(header: CentralHeader): void {
  if (header.method !== METHOD_STORED || header.compressedSize === header.size) return;
  if (header.compressedSize > header.size) throw unpacksPastDeclared(header.name, header.size);
  throw unpacksToOtherSize(header.name, header.compressedSize, header.size);
}

/** Counts reads and bytes, and holds the source to returning exactly what was asked for. */
class CountingSource implements ByteRangeSource {
  reads = 0;
  bytes = 0;

  constructor(private readonly inner: ByteRangeSource) {}

  get size(): number {
    return this.inner.size;
  }

  async read(start: number, length: number): Promise<Buffer> {
    this.reads++;
    this.bytes += length;
    const data = await this.inner.read(start, length);
    if (data.length !== length) {
      throw new Error(`the byte source returned ${data.length} bytes for a read of ${length} at byte ${start}`);
    }
    return data;
  }
}
