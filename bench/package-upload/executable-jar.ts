/**
 * A real executable JAR of an exact size, generated as a stream (never held in memory) and
 * deterministic for a seed, so every upload of one run sends identical bytes.
 *
 * Layout, like a Spring Boot fat jar (which must STORE its nested jars uncompressed):
 *   META-INF/MANIFEST.MF               stored, `Main-Class: com.example.bench.Main`
 *   com/example/bench/Main.class       stored, a tiny class-file-shaped blob (CAFEBABE …)
 *   com/example/bench/data/blob-NNNN.bin  STORED, 16 MiB each of pseudo-random bytes (AES-256-CTR
 *                                       keystream: incompressible, nothing for a reader to shortcut)
 *   central directory, end of central directory record
 * Every local header carries the entry's real CRC32 and sizes (no data descriptors), and the last
 * blob is sized so the archive is exactly `sizeBytes` long. 32-bit zip fields suffice: every entry
 * and the whole archive stay below 4 GiB. The end record is @stagecraft/archive/testing's; the
 * headers are written here because they say version 1.0 (stored) where that module's say 2.0.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';

import { endOfCentralDirectory } from '@stagecraft/archive/testing';

export const MAIN_CLASS = 'com.example.bench.Main';
const BLOB_BYTES = 16 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;
const MAX_ZIP32 = 0xffffffff;
const LOCAL_HEADER_BYTES = 30;
const CENTRAL_HEADER_BYTES = 46;
const END_RECORD_BYTES = 22;
/** 1 Jan 1980 00:00 in MS-DOS date/time: fixed, so the bytes depend on the seed only. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

interface PlannedEntry {
  name: Buffer;
  size: number;
  /** Small entries carry their bytes; blobs are generated from the keystream. */
  content?: Buffer;
  blobIndex?: number;
}

export interface JarLayout {
  sizeBytes: number;
  entries: number;
  blobs: number;
  blobBytes: number;
}

export interface GeneratedJar extends JarLayout {
  path: string;
  sha256: string;
  seconds: number;
}

function planEntries(sizeBytes: number): PlannedEntry[] {
  const manifest = Buffer.from(
    `Manifest-Version: 1.0\r\nMain-Class: ${MAIN_CLASS}\r\nCreated-By: stagecraft bench\r\n\r\n`,
    'latin1',
  );
  // The magic and version of a class file, then filler: the inspection only reads the manifest.
  const mainClass = Buffer.concat([Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 61]), Buffer.alloc(248, 0x2a)]);
  const small: PlannedEntry[] = [
    { name: Buffer.from('META-INF/MANIFEST.MF'), size: manifest.length, content: manifest },
    { name: Buffer.from(`${MAIN_CLASS.replace(/\./g, '/')}.class`), size: mainClass.length, content: mainClass },
  ];
  const overhead = (entry: { name: Buffer }) => LOCAL_HEADER_BYTES + CENTRAL_HEADER_BYTES + 2 * entry.name.length;
  const blobName = (i: number) => Buffer.from(`com/example/bench/data/blob-${String(i).padStart(4, '0')}.bin`);
  const fixed = END_RECORD_BYTES + small.reduce((sum, entry) => sum + overhead(entry) + entry.size, 0);
  const perBlobOverhead = overhead({ name: blobName(0) });
  const remaining = sizeBytes - fixed;
  const blobs = Math.max(1, Math.round(remaining / (BLOB_BYTES + perBlobOverhead)));
  const last = remaining - blobs * perBlobOverhead - (blobs - 1) * BLOB_BYTES;
  if (last <= 0 || last > MAX_ZIP32 || sizeBytes > MAX_ZIP32) {
    throw new Error(`cannot lay out a ${sizeBytes}-byte jar without zip64 (last blob ${last} bytes)`);
  }
  const entries = [...small];
  for (let i = 0; i < blobs; i += 1) {
    entries.push({ name: blobName(i), size: i === blobs - 1 ? last : BLOB_BYTES, blobIndex: i });
  }
  return entries;
}

/** The keystream for one blob: AES-256-CTR over zeros, key from the seed, counter block from the blob. */
function* blobChunks(seed: string, blobIndex: number, size: number): Generator<Buffer> {
  const key = createHash('sha256').update(`stagecraft-bench-jar:${seed}`).digest();
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(blobIndex, 0);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const zeros = Buffer.alloc(CHUNK_BYTES);
  for (let left = size; left > 0; left -= CHUNK_BYTES) {
    yield cipher.update(left >= CHUNK_BYTES ? zeros : zeros.subarray(0, left));
  }
}

/**
 * The fields both headers hold in the same order, from `at`: time, date, CRC-32, compressed and
 * uncompressed size (equal: stored), name length.
 */
function writeEntryFields(header: Buffer, at: number, entry: PlannedEntry, crc: number): void {
  header.writeUInt16LE(DOS_TIME, at);
  header.writeUInt16LE(DOS_DATE, at + 2);
  header.writeUInt32LE(crc, at + 4);
  header.writeUInt32LE(entry.size, at + 8);
  header.writeUInt32LE(entry.size, at + 12);
  header.writeUInt16LE(entry.name.length, at + 16);
}

function localHeader(entry: PlannedEntry, crc: number): Buffer {
  const header = Buffer.alloc(LOCAL_HEADER_BYTES);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(10, 4); // version needed: 1.0 (stored)
  header.writeUInt16LE(0, 6); // flags: sizes and CRC are here, no data descriptor
  header.writeUInt16LE(0, 8); // method: stored
  writeEntryFields(header, 10, entry, crc);
  header.writeUInt16LE(0, 28);
  return Buffer.concat([header, entry.name]);
}

function centralHeader(entry: PlannedEntry, crc: number, offset: number): Buffer {
  const header = Buffer.alloc(CENTRAL_HEADER_BYTES);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
  header.writeUInt16LE(10, 6);
  header.writeUInt16LE(0, 8);
  header.writeUInt16LE(0, 10);
  writeEntryFields(header, 12, entry, crc);
  header.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, rw-r--r--
  header.writeUInt32LE(offset, 42);
  return Buffer.concat([header, entry.name]);
}

/**
 * The archive's bytes in order. Each blob's CRC32 is computed from its keystream first (AES-CTR
 * regenerates it cheaply), so local headers are right the first time and nothing is seeked back.
 */
export function* executableJarChunks(sizeBytes: number, seed: string): Generator<Buffer> {
  const entries = planEntries(sizeBytes);
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    let crc = 0;
    if (entry.content) crc = crc32(entry.content);
    else for (const chunk of blobChunks(seed, entry.blobIndex!, entry.size)) crc = crc32(chunk, crc);
    const header = localHeader(entry, crc);
    central.push(centralHeader(entry, crc, offset));
    yield header;
    if (entry.content) yield entry.content;
    else yield* blobChunks(seed, entry.blobIndex!, entry.size);
    offset += header.length + entry.size;
  }
  const directory = Buffer.concat(central);
  const end = endOfCentralDirectory(entries.length, directory.length, offset);
  yield directory;
  yield end;
  if (offset + directory.length + end.length !== sizeBytes) {
    throw new Error(`jar layout is off: wrote ${offset + directory.length + end.length} of ${sizeBytes} bytes`);
  }
}

export function jarLayout(sizeBytes: number): JarLayout {
  const entries = planEntries(sizeBytes);
  const blobs = entries.filter((entry) => entry.blobIndex !== undefined);
  return { sizeBytes, entries: entries.length, blobs: blobs.length, blobBytes: BLOB_BYTES };
}

/** Writes the jar to `path` once (both uploads then stream that file), hashing it on the way. */
export async function writeExecutableJar(path: string, sizeBytes: number, seed: string): Promise<GeneratedJar> {
  const started = performance.now();
  const hash = createHash('sha256');
  let written = 0;
  const source = Readable.from(
    (function* () {
      for (const chunk of executableJarChunks(sizeBytes, seed)) {
        hash.update(chunk);
        written += chunk.length;
        yield chunk;
      }
    })(),
  );
  await pipeline(source, createWriteStream(path));
  if (written !== sizeBytes) throw new Error(`wrote ${written} bytes, expected ${sizeBytes}`);
  return {
    ...jarLayout(sizeBytes),
    path,
    sha256: hash.digest('hex'),
    seconds: (performance.now() - started) / 1000,
  };
}
