import type { ByteRangeSource } from '../byte-range-source';

/**
 * A ByteRangeSource over bytes in memory that logs every read, for tests of readers that take
 * one. It holds readers to the contract: a read of nothing or past the end fails the test.
 */
export class MemoryRangeSource implements ByteRangeSource {
  readonly reads: Array<{ start: number; length: number }> = [];

  constructor(private readonly bytes: Buffer) {}

  get size(): number {
    return this.bytes.length;
  }

  get bytesRead(): number {
    return this.reads.reduce((sum, read) => sum + read.length, 0);
  }

  async read(start: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length < 1 || start + length > this.size) {
      throw new Error(`a read of ${length} bytes at byte ${start} of ${this.size}`);
    }
    this.reads.push({ start, length });
    // A copy, as a network read gives: a reader must not count on views of one buffer.
    return Buffer.from(this.bytes.subarray(start, start + length));
  }
}
