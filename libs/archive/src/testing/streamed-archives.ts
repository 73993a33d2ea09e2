import { createHash } from 'node:crypto';
import { crc32, gzipSync } from 'node:zlib';

import { centralHeader, endOfCentralDirectory, localHeader } from './zip-headers';

/**
 * Archives of any size produced chunk by chunk, the way a streaming writer makes them, so tests
 * can inspect hundreds of MiB without holding them. Each generator reports what it yielded.
 */

export interface Yielded {
  bytes: number;
  sha256(): string;
}

export interface StreamedEntry {
  name: string;
  /** The entry's bytes, as chunks (repeat one buffer to stay cheap). */
  chunks: () => Iterable<Buffer>;
}

/** Counts and hashes what a generator hands out. */
export function tally(): Yielded & { add(chunk: Buffer): Buffer } {
  const hash = createHash('sha256');
  return {
    bytes: 0,
    add(chunk: Buffer) {
      this.bytes += chunk.length;
      hash.update(chunk);
      return chunk;
    },
    sha256: () => hash.copy().digest('hex'),
  };
}

/**
 * A zip of stored entries, each with a data descriptor (sizes and CRC after the data, as any
 * writer that cannot seek back produces), then the central directory and the end record.
 */
export function* streamedStoredZip(entries: StreamedEntry[], seen = tally()): Generator<Buffer> {
  const central: Buffer[] = [];
  let offset = 0;
  const emit = (chunk: Buffer) => {
    offset += chunk.length;
    return seen.add(chunk);
  };
  for (const entry of entries) {
    const headerOffset = offset;
    // Data descriptor + UTF-8 names; stored; 2024-01-01; CRC and sizes follow the data.
    const fields = {
      name: Buffer.from(entry.name, 'utf8'),
      flags: 0x0808,
      method: 0,
      date: 0x5821,
      crc: 0,
      compressedSize: 0,
      size: 0,
    };
    yield emit(localHeader(fields));
    let crc = 0;
    let size = 0;
    for (const chunk of entry.chunks()) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      yield emit(chunk);
    }
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc, 4);
    descriptor.writeUInt32LE(size, 8);
    descriptor.writeUInt32LE(size, 12);
    yield emit(descriptor);
    central.push(centralHeader({ ...fields, crc, compressedSize: size, size, offset: headerOffset }));
  }
  const directory = Buffer.concat(central);
  const end = endOfCentralDirectory(entries.length, directory.length, offset);
  yield emit(directory);
  yield emit(end);
}

/** A ustar header for a regular file. */
export function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write(`${(1704067200).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
  header.write('        ', 148, 'latin1');
  header.write('0', 156, 'latin1');
  header.write('ustar\x0000', 257, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

/**
 * A tar.gz written as a series of gzip members (as pigz and bgzip do; gunzip reads them as one
 * stream), one member per `memberBytes` of tar, so it can be produced without holding it.
 * Level 0 (stored deflate blocks) keeps the generator fast; compressed tar.gz files come from
 * the npm pack, GNU tar and Python fixtures.
 */
export function* streamedTarGz(
  entries: StreamedEntry[],
  sizes: number[],
  seen = tally(),
  memberBytes = 256 << 10,
): Generator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  function* flush(force: boolean): Generator<Buffer> {
    if (pendingBytes === 0 || (!force && pendingBytes < memberBytes)) return;
    const member = gzipSync(Buffer.concat(pending), { level: 0 });
    pending = [];
    pendingBytes = 0;
    yield seen.add(member);
  }
  function* put(chunk: Buffer): Generator<Buffer> {
    pending.push(chunk);
    pendingBytes += chunk.length;
    yield* flush(false);
  }
  for (const [i, entry] of entries.entries()) {
    const size = sizes[i] ?? 0;
    yield* put(tarHeader(entry.name, size));
    let written = 0;
    for (const chunk of entry.chunks()) {
      written += chunk.length;
      yield* put(chunk);
    }
    if (written !== size) throw new Error(`${entry.name}: declared ${size} bytes, wrote ${written}`);
    if (size % 512) yield* put(Buffer.alloc(512 - (size % 512)));
  }
  yield* put(Buffer.alloc(1024));
  yield* flush(true);
}

/** `total` bytes as views of one buffer, `chunk` bytes at a time. */
export function* repeat(source: Buffer, total: number, chunk = 64 * 1024): Generator<Buffer> {
  for (let done = 0; done < total; ) {
    const at = done % source.length;
    const n = Math.min(chunk, total - done, source.length - at);
    yield source.subarray(at, at + n);
    done += n;
  }
}
