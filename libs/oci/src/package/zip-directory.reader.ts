import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';

import { PackageRejectedError } from '../assembly.errors';
import { ArchiveGuard } from './archive-guard';
import type { ArchiveItem } from './archive-item';
import { normalizeFileMode } from './archive-path';
import type { UnpackLimits } from './unpack-limits';
import { checkZipExtents, type ZipExtent } from './zip-layout';

/*
 * A zip read through its central directory, with random access to the file on disk: the
 * directory holds every entry's sizes, CRC and offset, so entries can be listed first (and
 * checked, counted and sorted) and then streamed one at a time in any order. Data descriptors
 * need no special care this way: the central directory's sizes are authoritative, once every
 * entry's local header was found where the directory says, under the same name, and no two
 * entries share bytes (checkZipExtents). Declared sizes are then held to: an entry that inflates
 * to more than its size fails as soon as it does (EntryVerifier).
 */

const SIG = { LOCAL: 0x04034b50, CENTRAL: 0x02014b50, END: 0x06054b50, ZIP64_END: 0x06064b50, ZIP64_LOCATOR: 0x07064b50 };
const END_BYTES = 22;
const MAX_COMMENT = 0xffff;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;
const HOST_UNIX = 3;
const HOST_MACOS = 19;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

interface CentralEntry {
  name: string;
  rawName: Buffer;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
  unixMode: number | null;
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
          throw new PackageRejectedError(
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
  if (entry.flags & FLAG_ENCRYPTED) throw new PackageRejectedError(`the zip entry ${JSON.stringify(entry.name)} is encrypted`);
  if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATED) {
    throw new PackageRejectedError(
      `the zip entry ${JSON.stringify(entry.name)} uses compression method ${entry.method} (only stored and deflate are supported)`,
    );
  }
}

/** Every entry's local header where the directory says, under its name, and no two entries sharing bytes. */
async function checkLayout(handle: FileHandle, entries: CentralEntry[], directoryOffset: number): Promise<void> {
  const extents: ZipExtent[] = [];
  for (const entry of entries) {
    if (entry.offset + LOCAL_BYTES > directoryOffset)
      throw corrupt(`the entry ${JSON.stringify(entry.name)} lies outside the archive's entries`);
    const local = await readAt(handle, entry.offset, LOCAL_BYTES);
    if (local.readUInt32LE(0) !== SIG.LOCAL) throw corrupt(`the local header of ${JSON.stringify(entry.name)} is missing`);
    const nameLength = local.readUInt16LE(26);
    const localName = await readAt(handle, entry.offset + LOCAL_BYTES, Math.min(nameLength, directoryOffset));
    if (!localName.equals(entry.rawName)) {
      throw corrupt(
        `the central directory names ${JSON.stringify(entry.name)} where the local header at byte ${entry.offset} names ${JSON.stringify(localName.toString('utf8'))}`,
      );
    }
    entry.dataStart = entry.offset + LOCAL_BYTES + nameLength + local.readUInt16LE(28);
    extents.push({ name: entry.name, offset: entry.offset, end: entry.dataStart + entry.compressedSize });
  }
  checkZipExtents(extents, directoryOffset);
}

async function readCentralDirectory(
  handle: FileHandle,
  guard: ArchiveGuard,
): Promise<{ entries: CentralEntry[]; directoryOffset: number }> {
  const { size: fileSize } = await handle.stat();
  const tailLength = Math.min(fileSize, END_BYTES + MAX_COMMENT);
  const tail = await readAt(handle, fileSize - tailLength, tailLength);
  let end = -1;
  for (let i = tail.length - END_BYTES; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG.END && i + END_BYTES + tail.readUInt16LE(i + 20) <= tail.length) {
      end = i;
      break;
    }
  }
  if (end === -1) throw corrupt('it has no end of central directory record');
  if (tail.readUInt16LE(end + 4) !== 0 || tail.readUInt16LE(end + 6) !== 0)
    throw new PackageRejectedError('multi-disk zip archives are not supported');
  let count = tail.readUInt16LE(end + 10);
  let directorySize = tail.readUInt32LE(end + 12);
  let directoryOffset = tail.readUInt32LE(end + 16);
  if (count === U16_MAX || directorySize === U32_MAX || directoryOffset === U32_MAX) {
    const endAt = fileSize - tailLength + end;
    if (endAt < 20) throw corrupt('its zip64 locator is missing');
    const locator = await readAt(handle, endAt - 20, 20);
    if (locator.readUInt32LE(0) !== SIG.ZIP64_LOCATOR) throw corrupt('its zip64 locator is missing');
    const zip64End = await readAt(handle, safe(locator.readBigUInt64LE(8)), 56);
    if (zip64End.readUInt32LE(0) !== SIG.ZIP64_END) throw corrupt('its zip64 end record is missing');
    count = safe(zip64End.readBigUInt64LE(32));
    directorySize = safe(zip64End.readBigUInt64LE(40));
    directoryOffset = safe(zip64End.readBigUInt64LE(48));
  }
  guard.expectEntries(count);
  if (directoryOffset + directorySize > fileSize) throw corrupt('its central directory lies past the end of the file');
  if (directorySize > count * (CENTRAL_BYTES + 3 * U16_MAX)) throw corrupt('its central directory is larger than its entries');
  const directory = await readAt(handle, directoryOffset, directorySize);

  const entries: CentralEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_BYTES > directory.length || directory.readUInt32LE(at) !== SIG.CENTRAL)
      throw corrupt('its central directory is cut short');
    const madeBy = directory.readUInt16LE(at + 4) >> 8;
    const flags = directory.readUInt16LE(at + 8);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const external = directory.readUInt32LE(at + 38);
    const nameStart = at + CENTRAL_BYTES;
    const entry: CentralEntry = {
      name: directory.toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1', nameStart, nameStart + nameLength),
      rawName: Buffer.from(directory.subarray(nameStart, nameStart + nameLength)),
      flags,
      method: directory.readUInt16LE(at + 10),
      crc: directory.readUInt32LE(at + 16),
      compressedSize: directory.readUInt32LE(at + 20),
      size: directory.readUInt32LE(at + 24),
      offset: directory.readUInt32LE(at + 42),
      unixMode: madeBy === HOST_UNIX || madeBy === HOST_MACOS ? external >>> 16 || null : null,
      dataStart: -1,
    };
    applyZip64(entry, directory.subarray(nameStart + nameLength, nameStart + nameLength + extraLength));
    if (entry.offset + LOCAL_BYTES + entry.compressedSize > fileSize)
      throw corrupt(`the entry ${JSON.stringify(entry.name)} lies past the end of the file`);
    entries.push(entry);
    at = nameStart + nameLength + extraLength + commentLength;
  }
  return { entries, directoryOffset };
}

/** The zip64 extra field holds, in this order, only the values the header marks as 0xFFFFFFFF. */
function applyZip64(entry: CentralEntry, extra: Buffer): void {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      const field = extra.subarray(at + 4, at + 4 + length);
      let p = 0;
      const next = () => {
        if (p + 8 > field.length) throw corrupt(`the zip64 field of ${JSON.stringify(entry.name)} is short`);
        const value = safe(field.readBigUInt64LE(p));
        p += 8;
        return value;
      };
      if (entry.size === U32_MAX) entry.size = next();
      if (entry.compressedSize === U32_MAX) entry.compressedSize = next();
      if (entry.offset === U32_MAX) entry.offset = next();
      return;
    }
    at += 4 + length;
  }
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

function safe(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt('a size or offset is out of range');
  return Number(value);
}

function corrupt(why: string): PackageRejectedError {
  return new PackageRejectedError(`corrupt zip archive: ${why}`);
}
