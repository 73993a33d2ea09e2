/**
 * Random access to an archive's bytes: a file on disk, or an object in S3 read by ranged GETs.
 * What a read costs is the caller's business (a disk read, an HTTP request); readers that take a
 * source say how many reads they make.
 */
export interface ByteRangeSource {
  /** The archive's length in bytes. */
  readonly size: number;
  /**
   * Exactly `length` bytes (at least 1) from byte `start`, which callers keep within `size`.
   * Rejects when they cannot be had; that is a fault of the source (a network error), never a
   * verdict on the archive, and readers pass it on as it is.
   */
  read(start: number, length: number): Promise<Buffer>;
}
