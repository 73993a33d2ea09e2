import { Transform, type TransformCallback } from 'node:stream';

const HEADER_BYTES = 10;
/** RFC 1952 OS byte for Unix: what zlib writes on Linux, pinned so other build hosts agree. */
const OS_UNIX = 3;

/**
 * Pins the variable fields of a gzip member header: MTIME (bytes 4–7) to 0 and OS (byte 9) to
 * Unix. Node's zlib already writes MTIME 0 and, on Linux, OS 3; this holds on any host. The
 * header is not covered by the gzip CRC, so rewriting it keeps the stream valid.
 */
export class GzipHeaderNormalizer extends Transform {
  private seen = 0;
  private pending: Buffer[] = [];

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.seen >= HEADER_BYTES) {
      callback(null, chunk);
      return;
    }
    this.pending.push(chunk);
    this.seen += chunk.length;
    if (this.seen < HEADER_BYTES) {
      callback();
      return;
    }
    const head = Buffer.concat(this.pending);
    this.pending = [];
    if (head[0] !== 0x1f || head[1] !== 0x8b || head[2] !== 0x08 || head[3] !== 0) {
      callback(new Error('unexpected gzip header: expected deflate without optional fields'));
      return;
    }
    head.writeUInt32LE(0, 4);
    head[9] = OS_UNIX;
    callback(null, head);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.seen < HEADER_BYTES && this.seen > 0 ? new Error('truncated gzip header') : null);
  }
}
