import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';

import { ArchiveGuard } from '../archive-guard';
import type { ArchiveItem } from '../archive-item';
import { normalizeFileMode } from '../archive-path';
import { ArchiveRejection } from '../archive-rejection';
import type { UnpackLimits } from '../unpack-limits';
import { checkZipExtents, type ZipExtent } from './zip-layout';
import {
  CENTRAL_HEADER_BYTES,
  type CentralHeader,
  END_OF_CENTRAL_DIRECTORY_BYTES,
  FLAG_ENCRYPTED,
  LOCAL_HEADER_BYTES,
  METHOD_DEFLATED,
  METHOD_STORED,
  readCentralHeader,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  toSafeNumber,
  UINT16_MAX,
  UINT32_MAX,
  ZIP_SIGNATURE,
} from './zip-records';

/*
 * A zip read through its central directory, with random access to the file on disk: the
 * directory holds every entry's sizes, CRC and offset, so entries can be listed first (and
 * checked, counted and sorted) and then streamed one at a time in any order. Data descriptors
 * need no special care this way: the central directory's sizes are authoritative, once every
 * entry's local header was found where the directory says, under the same name, and no two
 * entries share bytes (checkZipExtents). Declared sizes are then held to: an entry that inflates
 * to more than its size fails as soon as it does (EntryVerifier).
 */

/** The end record is followed by a comment of at most this many bytes: it lies within the file's last 64 KiB. */
const MAX_COMMENT_BYTES = UINT16_MAX;
/** The zip64 locator stands right before the end record. */
const ZIP64_LOCATOR_BYTES = 20;
/** The zip64 end record up to its count, size and offset fields. */
const ZIP64_END_BYTES = 56;

interface CentralEntry extends CentralHeader {
  /** Where the data starts, from the local header (set once the layout was checked). */
  dataStart: number;
}

/** Lists a zip's entries as archive items whose `open` streams (and verifies) the entry's bytes. */
export async function readZipItems(file: string, limits: UnpackLimits): Promise<ArchiveItem[]> {
  const guard = new ArchiveGuard(limits, 'zip');
  const handle = await open(file, 'r');
  try {
    const { entries, directoryOffset } = await readCentralDirectory(handle, guard);
    await checkLayout(handle, entries, directoryOffset);
    const items: ArchiveItem[] = [];
    for (const entry of entries) {
      const kind = entry.unixMode === null ? null : entry.unixMode & S_IFMT;
      const isDirectory = entry.name.endsWith('/') || kind === S_IFDIR;
      const isSymlink = !isDirectory && kind === S_IFLNK;
      const isFile = !isDirectory && !isSymlink && (kind === null || kind === S_IFREG);
      if (!isDirectory && !isSymlink && !isFile) {
        guard.entry(entry.name, 'special', { typeName: `special file (mode ${(kind ?? 0).toString(8)})` });
      }
      if (isSymlink) {
        const linkPath = guard.entry(entry.name, 'file');
        if (linkPath === null) continue;
        checkReadable(entry);
        if (entry.size > limits.maxPathBytes)
          throw new ArchiveRejection(
            `the symlink ${JSON.stringify(linkPath)} has a target longer than ${limits.maxPathBytes} bytes`,
          );
        const target = (await readWhole(file, entry)).toString('utf8');
        guard.symlink(linkPath, target);
        items.push({ type: 'symlink', path: linkPath, mode: 0o777, target });
        continue;
      }
      const path = guard.entry(entry.name, isDirectory ? 'directory' : 'file');
      if (path === null) continue;
      checkReadable(entry);
      if (isDirectory) {
        items.push({ type: 'directory', path, mode: 0o755 });
        continue;
      }
      // The declared size is what the entry may inflate to (EntryVerifier stops it past that).
      guard.checkRatio(entry.name, entry.size, entry.compressedSize);
      guard.addUnpacked(entry.size);
      items.push({
        type: 'file',
        path,
        mode: normalizeFileMode(entry.unixMode),
        size: entry.size,
        open: () => openEntry(file, entry),
      });
    }
    return items;
  } finally {
    await handle.close();
  }
}

function checkReadable(entry: CentralEntry): void {
  if (entry.flags & FLAG_ENCRYPTED) throw new ArchiveRejection(`the zip entry ${JSON.stringify(entry.name)} is encrypted`);
  if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATED) {
    throw new ArchiveRejection(
      `the zip entry ${JSON.stringify(entry.name)} uses compression method ${entry.method} (only stored and deflate are supported)`,
    );
  }
}

/** Every entry's local header where the directory says, under its name, and no two entries sharing bytes. */
async function checkLayout(handle: FileHandle, entries: CentralEntry[], directoryOffset: number): Promise<void> {
  const extents: ZipExtent[] = [];
  for (const entry of entries) {
    if (entry.offset + LOCAL_HEADER_BYTES > directoryOffset)
      throw corrupt(`the entry ${JSON.stringify(entry.name)} lies outside the archive's entries`);
    const local = await readAt(handle, entry.offset, LOCAL_HEADER_BYTES);
    if (local.readUInt32LE(0) !== ZIP_SIGNATURE.LOCAL_HEADER)
      throw corrupt(`the local header of ${JSON.stringify(entry.name)} is missing`);
    const nameLength = local.readUInt16LE(26);
    const localName = await readAt(handle, entry.offset + LOCAL_HEADER_BYTES, Math.min(nameLength, directoryOffset));
    if (!localName.equals(entry.nameBytes)) {
      throw corrupt(
        `the central directory names ${JSON.stringify(entry.name)} where the local header at byte ${entry.offset} names ${JSON.stringify(localName.toString('utf8'))}`,
      );
    }
    entry.dataStart = entry.offset + LOCAL_HEADER_BYTES + nameLength + local.readUInt16LE(28);
    extents.push({ name: entry.name, offset: entry.offset, end: entry.dataStart + entry.compressedSize });
  }
  checkZipExtents(extents, directoryOffset);
}

async function readCentralDirectory(
  handle: FileHandle,
  guard: ArchiveGuard,
): Promise<{ entries: CentralEntry[]; directoryOffset: number }> {
  const { size: fileSize } = await handle.stat();
  const tailLength = Math.min(fileSize, END_OF_CENTRAL_DIRECTORY_BYTES + MAX_COMMENT_BYTES);
  const tail = await readAt(handle, fileSize - tailLength, tailLength);
  let end = -1;
  for (let i = tail.length - END_OF_CENTRAL_DIRECTORY_BYTES; i >= 0; i--) {
    if (
      tail.readUInt32LE(i) === ZIP_SIGNATURE.END_OF_CENTRAL_DIRECTORY &&
      i + END_OF_CENTRAL_DIRECTORY_BYTES + tail.readUInt16LE(i + 20) <= tail.length
    ) {
      end = i;
      break;
    }
  }
  if (end === -1) throw corrupt('it has no end of central directory record');
  if (tail.readUInt16LE(end + 4) !== 0 || tail.readUInt16LE(end + 6) !== 0)
    throw new ArchiveRejection('multi-disk zip archives are not supported');
  let count = tail.readUInt16LE(end + 10);
  let directorySize = tail.readUInt32LE(end + 12);
  let directoryOffset = tail.readUInt32LE(end + 16);
  if (count === UINT16_MAX || directorySize === UINT32_MAX || directoryOffset === UINT32_MAX) {
    const endAt = fileSize - tailLength + end;
    if (endAt < ZIP64_LOCATOR_BYTES) throw corrupt('its zip64 locator is missing');
    const locator = await readAt(handle, endAt - ZIP64_LOCATOR_BYTES, ZIP64_LOCATOR_BYTES);
    if (locator.readUInt32LE(0) !== ZIP_SIGNATURE.ZIP64_LOCATOR) throw corrupt('its zip64 locator is missing');
    const zip64End = await readAt(handle, toSafeNumber(locator.readBigUInt64LE(8), 'its zip64 locator'), ZIP64_END_BYTES);
    if (zip64End.readUInt32LE(0) !== ZIP_SIGNATURE.ZIP64_END_OF_CENTRAL_DIRECTORY)
      throw corrupt('its zip64 end record is missing');
    count = toSafeNumber(zip64End.readBigUInt64LE(32), 'its zip64 end record');
    directorySize = toSafeNumber(zip64End.readBigUInt64LE(40), 'its zip64 end record');
    directoryOffset = toSafeNumber(zip64End.readBigUInt64LE(48), 'its zip64 end record');
  }
  guard.expectEntries(count);
  if (directoryOffset + directorySize > fileSize) throw corrupt('its central directory lies past the end of the file');
  if (directorySize > count * (CENTRAL_HEADER_BYTES + 3 * UINT16_MAX))
    throw corrupt('its central directory is larger than its entries');
  const directory = await readAt(handle, directoryOffset, directorySize);

  const entries: CentralEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_HEADER_BYTES > directory.length || directory.readUInt32LE(at) !== ZIP_SIGNATURE.CENTRAL_HEADER)
      throw corrupt('its central directory is cut short');
    const header = readCentralHeader(directory, at);
    // A copy of the name: a view would keep the whole directory alive as long as the items.
    const entry: CentralEntry = { ...header, nameBytes: Buffer.from(header.nameBytes), dataStart: -1 };
    if (entry.offset + LOCAL_HEADER_BYTES + entry.compressedSize > fileSize)
      throw corrupt(`the entry ${JSON.stringify(entry.name)} lies past the end of the file`);
    entries.push(entry);
    at += header.recordBytes;
  }
  return { entries, directoryOffset };
}

/** The entry's bytes, inflated, failing when their size or CRC-32 differ from the directory's. */
async function openEntry(file: string, entry: CentralEntry): Promise<Readable> {
  const start = entry.dataStart;
  if (start < 0) throw new Error(`the layout of ${entry.name} was not checked`);
  const verifier = new EntryVerifier(entry);
  if (entry.compressedSize === 0) {
    return Readable.from([] as Buffer[]).pipe(verifier);
  }
  const raw = createReadStream(file, { start, end: start + entry.compressedSize - 1, highWaterMark: 256 * 1024 });
  const data = entry.method === METHOD_DEFLATED ? raw.pipe(createInflateRaw({ chunkSize: 64 * 1024 })) : raw;
  const fail = (err: Error) =>
    verifier.destroy(corrupt(`the entry ${JSON.stringify(entry.name)} cannot be read (${err.message})`));
  raw.on('error', fail);
  data.on('error', fail);
  verifier.on('close', () => raw.destroy());
  return data.pipe(verifier);
}

async function readWhole(file: string, entry: CentralEntry): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of await openEntry(file, entry)) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

class EntryVerifier extends Transform {
  private crc = 0;
  private bytes = 0;

  constructor(private readonly entry: CentralEntry) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.entry.size) {
      callback(
        corrupt(`the entry ${JSON.stringify(this.entry.name)} unpacks to more than its declared ${this.entry.size} bytes`),
      );
      return;
    }
    this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes !== this.entry.size) {
      callback(
        corrupt(
          `the entry ${JSON.stringify(this.entry.name)} unpacks to ${this.bytes} bytes, not its declared ${this.entry.size}`,
        ),
      );
    } else if (this.crc >>> 0 !== this.entry.crc) {
      callback(corrupt(`the entry ${JSON.stringify(this.entry.name)} fails its CRC-32 check`));
    } else {
      callback();
    }
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw corrupt('it is truncated');
  return buffer;
}

function corrupt(why: string): ArchiveRejection {
  return new ArchiveRejection(`corrupt zip archive: ${why}`);
}
