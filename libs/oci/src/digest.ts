import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isSha256Digest(value: string): boolean {
  return SHA256_DIGEST.test(value);
}

export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A pass-through that hashes and counts what flows by; read `digest`/`bytes` after it ends. */
export class DigestingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private result: string | null = null;
  bytes = 0;

  /** With `expected`, the stream fails at its end when the bytes do not match that digest. */
  constructor(private readonly expected?: { digest: string; onMismatch: (actual: string) => Error }) {
    super();
  }

  get digest(): string {
    if (this.result === null) throw new Error('the digest is known only after the stream ended');
    return this.result;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.result = `sha256:${this.hash.digest('hex')}`;
    if (this.expected && this.expected.digest !== this.result) {
      callback(this.expected.onMismatch(this.result));
      return;
    }
    callback();
  }
}
