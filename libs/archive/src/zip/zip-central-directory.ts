import type { ArchiveGuard } from '../archive-guard';
import { ArchiveRejection } from '../archive-rejection';
import type { ByteRangeSource } from '../byte-range-source';
import {
  CENTRAL_HEADER_BYTES,
  type CentralHeader,
  END_OF_CENTRAL_DIRECTORY_BYTES,
  LOCAL_HEADER_BYTES,
  readCentralHeader,
  toSafeNumber,
  UINT16_MAX,
  UINT32_MAX,
  ZIP_SIGNATURE,
} from './zip-records';
import { corruptZip } from './zip-verdicts';

/*
 * A zip's end record (zip64 records included) and central directory, read by random access from
 * the end: what both directory readers (readZipItems from a file, scanZipDirectory by ranged
 * reads) start from. The end record lies in the last 64 KiB (its comment is at most that long),
 * so that window is read at once; it often holds the zip64 records and much or all of the
 * directory too, and those are then taken from it instead of read again.
 */

/** The end record is followed by a comment of at most this many bytes: it lies within the file's last 64 KiB. */
const MAX_COMMENT_BYTES = UINT16_MAX;
/** The zip64 locator stands right before the end record. */
const ZIP64_LOCATOR_BYTES = 20;
/** The zip64 end record up to its count, size and offset fields. */
const ZIP64_END_BYTES = 56;

/** The archive's last bytes, read to find the end record and kept to serve later reads that fall in them. */
export interface ZipTail {
  start: number;
  bytes: Buffer;
}

/** Where the central directory lies, as the end record (or the zip64 one) says, already checked against the file. */
export interface CentralDirectoryLocation {
  count: number;
  offset: number;
  size: number;
  tail: ZipTail;
}

/** Finds the end record and checks the directory it points at: entry count, bounds, size per entry. */
export async function findCentralDirectory(source: ByteRangeSource, guard: ArchiveGuard): Promise<CentralDirectoryLocation> {
  const fileSize = source.size;
  const tailLength = Math.min(fileSize, END_OF_CENTRAL_DIRECTORY_BYTES + MAX_COMMENT_BYTES);
  const tail: ZipTail = { start: fileSize - tailLength, bytes: await readRange(source, fileSize - tailLength, tailLength) };
  const bytes = tail.bytes;
  let end = -1;
  for (let i = bytes.length - END_OF_CENTRAL_DIRECTORY_BYTES; i >= 0; i--) {
    if (
      bytes.readUInt32LE(i) === ZIP_SIGNATURE.END_OF_CENTRAL_DIRECTORY &&
      i + END_OF_CENTRAL_DIRECTORY_BYTES + bytes.readUInt16LE(i + 20) <= bytes.length
    ) {
      end = i;
      break;
    }
  }
  if (end === -1) throw corruptZip('it has no end of central directory record');
  if (bytes.readUInt16LE(end + 4) !== 0 || bytes.readUInt16LE(end + 6) !== 0)
    throw new ArchiveRejection('multi-disk zip archives are not supported');
  let count = bytes.readUInt16LE(end + 10);
  let size = bytes.readUInt32LE(end + 12);
  let offset = bytes.readUInt32LE(end + 16);
  if (count === UINT16_MAX || size === UINT32_MAX || offset === UINT32_MAX) {
    const endAt = tail.start + end;
    if (endAt < ZIP64_LOCATOR_BYTES) throw corruptZip('its zip64 locator is missing');
    const locator = await readRange(source, endAt - ZIP64_LOCATOR_BYTES, ZIP64_LOCATOR_BYTES, tail);
    if (locator.readUInt32LE(0) !== ZIP_SIGNATURE.ZIP64_LOCATOR) throw corruptZip('its zip64 locator is missing');
    const zip64At = toSafeNumber(locator.readBigUInt64LE(8), 'its zip64 locator');
    const zip64End = await readRange(source, zip64At, ZIP64_END_BYTES, tail);
    if (zip64End.readUInt32LE(0) !== ZIP_SIGNATURE.ZIP64_END_OF_CENTRAL_DIRECTORY)
      throw corruptZip('its zip64 end record is missing');
    count = toSafeNumber(zip64End.readBigUInt64LE(32), 'its zip64 end record');
    size = toSafeNumber(zip64End.readBigUInt64LE(40), 'its zip64 end record');
    offset = toSafeNumber(zip64End.readBigUInt64LE(48), 'its zip64 end record');
  }
  guard.expectEntries(count);
  if (offset + size > fileSize) throw corruptZip('its central directory lies past the end of the file');
  if (size > count * (CENTRAL_HEADER_BYTES + 3 * UINT16_MAX))
    throw corruptZip('its central directory is larger than its entries');
  return { count, offset, size, tail };
}

/** The directory's entries in its order, each one's local header and data checked to lie within the file. */
export async function readCentralDirectory(
  source: ByteRangeSource,
  location: CentralDirectoryLocation,
): Promise<CentralHeader[]> {
  const directory = await readRange(source, location.offset, location.size, location.tail);
  const entries: CentralHeader[] = [];
  let at = 0;
  for (let i = 0; i < location.count; i++) {
    if (at + CENTRAL_HEADER_BYTES > directory.length || directory.readUInt32LE(at) !== ZIP_SIGNATURE.CENTRAL_HEADER)
      throw corruptZip('its central directory is cut short');
    const header = readCentralHeader(directory, at);
    // A copy of the name: a view would keep the whole directory alive as long as the entries.
    const entry: CentralHeader = { ...header, nameBytes: Buffer.from(header.nameBytes) };
    if (entry.offset + LOCAL_HEADER_BYTES + entry.compressedSize > source.size)
      throw corruptZip(`the entry ${JSON.stringify(entry.name)} lies past the end of the file`);
    entries.push(entry);
    at += header.recordBytes;
  }
  return entries;
}

/**
 * `length` bytes at `start`, taken from `tail` as far as they lie in it (one read at most for the
 * rest). Bytes past the end of the archive mean it is truncated; no read of 0 bytes is made.
 */
export async function readRange(source: ByteRangeSource, start: number, length: number, tail?: ZipTail): Promise<Buffer> {
  const end = start + length;
  if (start < 0 || end > source.size) throw corruptZip('it is truncated');
  if (length === 0) return Buffer.alloc(0);
  if (tail === undefined || end <= tail.start) return source.read(start, length);
  if (start >= tail.start) return tail.bytes.subarray(start - tail.start, end - tail.start);
  return Buffer.concat([await source.read(start, tail.start - start), tail.bytes.subarray(0, end - tail.start)]);
}
