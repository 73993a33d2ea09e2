import { constants, crc32, deflateRawSync } from 'node:zlib';

import { centralHeader, endOfCentralDirectory, localHeader } from './zip-headers';

/*
 * The archives of the zip-bomb attacks (issue 10), written byte by byte for tests. Not for
 * production use.
 */

const MiB = 1024 * 1024;

/**
 * A zip holding one deflated entry of `bytes` zeros (a multiple of 1 MiB), made as a stream of
 * 1 MiB deflate segments, so 1 GiB costs ~1 MB and no 1 GiB buffer. The local and central
 * headers declare `declaredSize` (the true size by default: a header may lie).
 */
export function zerosZip(options: { name?: string; bytes: number; declaredSize?: number }): Buffer {
  const name = Buffer.from(options.name ?? 'zeros.bin');
  const segments = options.bytes / MiB;
  if (!Number.isInteger(segments) || segments < 1) throw new Error('bytes must be a multiple of 1 MiB');
  const zeros = Buffer.alloc(MiB);
  // Sync-flushed segments concatenate into one valid deflate stream; the last one ends it.
  const middle = deflateRawSync(zeros, { finishFlush: constants.Z_SYNC_FLUSH, level: 9 });
  const last = deflateRawSync(zeros, { level: 9 });
  let crc = 0;
  for (let i = 0; i < segments; i++) crc = crc32(zeros, crc);
  const data = Buffer.concat([...Array.from({ length: segments - 1 }, () => middle), last]);
  return zipOf([{ name, data, crc, size: options.declaredSize ?? options.bytes, method: 8 }], (i) => [i]);
}

/**
 * One local entry (`bytes` zeros, deflated) that `copies` central-directory entries point at:
 * the overlapping-entries zip bomb. `distinctNames`: the copies are named `0.bin`, `1.bin`, …
 * (each extractor writes a new file); otherwise all carry the local entry's name.
 */
export function overlappingZip(options: { copies: number; bytes: number; distinctNames?: boolean }): Buffer {
  const single = zerosZip({ name: '0.bin', bytes: options.bytes });
  const local = single.subarray(0, single.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])));
  const central = single.subarray(local.length, single.length - 22);
  const copies = Array.from({ length: options.copies }, (_, i) => {
    if (!options.distinctNames || i === 0) return central;
    const renamed = Buffer.from(central);
    renamed.write(`${i.toString(36)}.bin`, 46, 'latin1'); // same length as 0.bin (copies <= 36)
    return renamed;
  });
  return Buffer.concat([local, ...copies, endOfCentralDirectory(options.copies, central.length * options.copies, local.length)]);
}

export interface RawZipEntry {
  name: Buffer;
  data: Buffer;
  crc: number;
  size: number;
  method: number;
  /** Unix mode with type bits, in the central directory. */
  unixMode?: number;
  /** Central offset override (to point outside the archive). */
  offset?: number;
}

/** Local entries in order, then a central directory of the entries `central` lists for each index. */
export function zipOf(entries: RawZipEntry[], central: (index: number) => number[]): Buffer {
  const fields = entries.map((entry) => ({
    name: entry.name,
    flags: 0x800, // UTF-8 names
    method: entry.method,
    crc: entry.crc,
    compressedSize: entry.data.length,
    size: entry.size,
  }));
  const locals: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const [i, entry] of entries.entries()) {
    const local = localHeader(fields[i]);
    offsets.push(offset);
    locals.push(local, entry.data);
    offset += local.length + entry.data.length;
  }
  const directory: Buffer[] = [];
  entries.forEach((_, i) => {
    for (const j of central(i)) {
      const entry = entries[j];
      directory.push(centralHeader({ ...fields[j], unixMode: entry.unixMode, offset: entry.offset ?? offsets[j] }));
    }
  });
  const dir = Buffer.concat(directory);
  return Buffer.concat([...locals, dir, endOfCentralDirectory(directory.length, dir.length, offset)]);
}

/** A stored entry for zipOf. */
export function storedEntry(name: string, content: string | Buffer, extra: Partial<RawZipEntry> = {}): RawZipEntry {
  const data = Buffer.from(content);
  return { name: Buffer.from(name), data, crc: crc32(data), size: data.length, method: 0, ...extra };
}
