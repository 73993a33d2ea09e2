// Bytes for archive reader tests: hashes, irregular chunking, incompressible content.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function fileBytes(path: string): Buffer {
  return readFileSync(path);
}

/** A stream of `bytes` in small chunks of irregular size, to cut every header at every place. */
export function tinyChunks(bytes: Buffer): Readable {
  const chunks: Buffer[] = [];
  let size = 1;
  for (let at = 0; at < bytes.length; at += size, size = (size * 7 + 3) % 17 || 1) {
    chunks.push(bytes.subarray(at, at + size));
  }
  return Readable.from(chunks);
}

/** Deterministic, incompressible-looking bytes. */
export function noise(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
