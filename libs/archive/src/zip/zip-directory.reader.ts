import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';

import { ArchiveGuard } from '../archive-guard';
import type { ArchiveItem } from '../archive-item';
import { normalizeFileMode } from '../archive-path';
import type { ByteRangeSource } from '../byte-range-source';
import type { UnpackLimits } from '../unpack-limits';
import { findCentralDirectory, readCentralDirectory, readRange } from './zip-central-directory';
import { guardZipEntry } from './zip-entry-guard';
import { checkZipExtents, type ZipExtent } from './zip-layout';
import { type CentralHeader, LOCAL_HEADER_BYTES, METHOD_DEFLATED, ZIP_SIGNATURE } from './zip-records';
import { corruptZip, failsCrc, unpacksPastDeclared, unpacksToOtherSize, unreadableEntry } from './zip-verdicts';

/*
 * A zip read through its central directory, with random access to the file on disk: the
 * directory holds every entry's sizes, CRC and offset, so entries can be listed first (and
 * checked, counted and sorted) and then streamed one at a time in any order. Data descriptors
 * need no special care this way: the central directory's sizes are authoritative, once every
 * entry's local header was found where the directory says, under the same name, and no two
 * entries share bytes (checkZipExtents). Declared sizes are then held to: an entry that inflates
 * to more than its size fails as soon as it does (EntryVerifier).
 */

interface CentralEntry extends CentralHeader {
  /** Where the data starts, from the local header (set once the layout was checked). */
  dataStart: number;
}

/** Lists a zip's entries as archive items whose `open` streams (and verifies) the entry's bytes. */
export async function readZipItems(file: string, limits: UnpackLimits): Promise<ArchiveItem[]> {
  const guard = new ArchiveGuard(limits, 'zip');
  const handle = await open(file, 'r');
  try {
    const source = fileSource(handle, (await handle.stat()).size);
    const location = await findCentralDirectory(source, guard);
    const headers = await readCentralDirectory(source, location);
    const entries: CentralEntry[] = headers.map((header) => ({ ...header, dataStart: -1 }));
    await checkLayout(source, entries, location.offset);
    const items: ArchiveItem[] = [];
    for (const entry of entries) {
      const guarded = guardZipEntry(guard, entry);
      if (guarded === null) continue;
      const { path } = guarded;
      switch (guarded.kind) {
        case 'symlink': {
          const target = (await readWhole(file, entry)).toString('utf8');
          guard.symlink(path, target);
          items.push({ type: 'symlink', path, mode: 0o777, target });
          break;
        }
        case 'directory':
          items.push({ type: 'directory', path, mode: 0o755 });
          break;
        case 'file':
          items.push({
            type: 'file',
            path,
            mode: normalizeFileMode(entry.unixMode),
            size: entry.size,
            open: () => openEntry(file, entry),
          });
          break;
      }
    }
    return items;
  } finally {
    await handle.close();
  }
}

/** Every entry's local header where the directory says, under its name, and no two entries sharing bytes. */
async function checkLayout(source: ByteRangeSource, entries: CentralEntry[], directoryOffset: number): Promise<void> {
  const extents: ZipExtent[] = [];
  for (const entry of entries) {
    if (entry.offset + LOCAL_HEADER_BYTES > directoryOffset)
      throw corruptZip(`the entry ${JSON.stringify(entry.name)} lies outside the archive's entries`);
    const local = await readRange(source, entry.offset, LOCAL_HEADER_BYTES);
    if (local.readUInt32LE(0) !== ZIP_SIGNATURE.LOCAL_HEADER)
      throw corruptZip(`the local header of ${JSON.stringify(entry.name)} is missing`);
    const nameLength = local.readUInt16LE(26);
    const localName = await readRange(source, entry.offset + LOCAL_HEADER_BYTES, Math.min(nameLength, directoryOffset));
    if (!localName.equals(entry.nameBytes)) {
      throw corruptZip(
        `the central directory names ${JSON.stringify(entry.name)} where the local header at byte ${entry.offset} names ${JSON.stringify(localName.toString('utf8'))}`,
      );
    }
    entry.dataStart = entry.offset + LOCAL_HEADER_BYTES + nameLength + local.readUInt16LE(28);
    extents.push({ name: entry.name, offset: entry.offset, end: entry.dataStart + entry.compressedSize });
  }
  checkZipExtents(extents, directoryOffset);
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
  const fail = (err: Error) => verifier.destroy(unreadableEntry(entry.name, err));
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
      callback(unpacksPastDeclared(this.entry.name, this.entry.size));
      return;
    }
    this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes !== this.entry.size) {
      callback(unpacksToOtherSize(this.entry.name, this.bytes, this.entry.size));
    } else if (this.crc >>> 0 !== this.entry.crc) {
      callback(failsCrc(this.entry.name));
    } else {
      callback();
    }
  }
}

/** The file as a ByteRangeSource; a short read (the file shrank under us) is a truncated archive. */
function fileSource(handle: FileHandle, size: number): ByteRangeSource {
  return {
    size,
    async read(start, length) {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, start);
      if (bytesRead !== length) throw corruptZip('it is truncated');
      return buffer;
    },
  };
}
