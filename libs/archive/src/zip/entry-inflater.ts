import { createInflateRaw, type InflateRaw } from 'node:zlib';

/**
 * Inflates one entry. zlib stops taking input where the deflate stream ends, so the input bytes it
 * consumed (`bytesWritten`, a documented zlib stream property) are the entry's exact compressed size.
 */
export class EntryInflater {
  private readonly zlib: InflateRaw = createInflateRaw();
  private readonly ended: Promise<void>;
  outputBytes = 0;

  constructor(onData: (data: Buffer) => void) {
    this.ended = new Promise<void>((resolve, reject) => {
      this.zlib.once('end', resolve);
      this.zlib.once('error', reject);
    });
    this.ended.catch(() => undefined); // observed through write/finish/drained
    this.zlib.on('error', () => undefined); // never an unhandled 'error'; failures reach the awaiting call
    this.zlib.on('data', (data: Buffer) => {
      this.outputBytes += data.length;
      onData(data);
    });
  }

  get inputBytes(): number {
    return this.zlib.bytesWritten;
  }

  /** Resolves with how many bytes of `slice` the deflate stream took; fewer than all means it ended. */
  write(slice: Buffer): Promise<number> {
    const before = this.zlib.bytesWritten;
    return new Promise<number>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.zlib.once('error', onError);
      this.zlib.write(slice, (err) => {
        this.zlib.off('error', onError);
        if (err) reject(err);
        else resolve(this.zlib.bytesWritten - before);
      });
    });
  }

  /** After the stream ended: resolves once every inflated byte was emitted. */
  drained(): Promise<void> {
    return this.ended;
  }

  /** No more input: flushes, and fails when the deflate stream was cut short. */
  finish(): Promise<void> {
    this.zlib.end();
    return this.ended;
  }

  destroy(): void {
    this.zlib.destroy();
  }
}
