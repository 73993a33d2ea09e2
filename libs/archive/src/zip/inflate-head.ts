import { constants, createInflateRaw } from 'node:zlib';

/** What inflating (the first bytes of) an entry's deflate data gave. */
export interface InflatedHead {
  /** The first bytes out, at most `limit`. */
  bytes: Buffer;
  /** The data inflates to more than `limit` bytes (and was not inflated further). */
  more: boolean;
  /** The deflate stream ended before the input did: `bytes` is all it holds. */
  endedEarly: boolean;
}

/** zlib hands out this much at a time; going past `limit` stops it within one chunk. */
const CHUNK_BYTES = 16 * 1024;

/**
 * Inflates `data` up to `limit` bytes out, stopping there however far the data would go (a
 * deflate stream may grow 1000-fold). `whole`: `data` is the entry's entire compressed data, so a
 * stream cut short is an error; otherwise it is a prefix and inflates as far as it goes.
 * Rejects with zlib's error for invalid data.
 */
export function inflateHead(data: Buffer, limit: number, whole: boolean): Promise<InflatedHead> {
  const zlib = createInflateRaw({
    chunkSize: CHUNK_BYTES,
    finishFlush: whole ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
  });
  return new Promise<InflatedHead>((resolve, reject) => {
    const parts: Buffer[] = [];
    let total = 0;
    let settled = false;
    zlib.on('data', (chunk: Buffer) => {
      if (settled) return;
      parts.push(chunk);
      total += chunk.length;
      if (total <= limit) return;
      settled = true;
      zlib.destroy();
      resolve({ bytes: Buffer.concat(parts).subarray(0, limit), more: true, endedEarly: false });
    });
    zlib.once('end', () => {
      if (settled) return;
      settled = true;
      resolve({ bytes: Buffer.concat(parts), more: false, endedEarly: zlib.bytesWritten < data.length });
    });
    zlib.once('error', (err) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
    zlib.end(data);
  });
}
