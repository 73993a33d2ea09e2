export interface UnpackLimits {
  /** Entries in the archive, directories included. */
  maxEntries: number;
  /** Sum of the unpacked file sizes (this also bounds a decompression bomb). */
  maxTotalBytes: number;
  /** Bytes of one entry path, and of one symlink target. */
  maxPathBytes: number;
}

export const DEFAULT_UNPACK_LIMITS: UnpackLimits = {
  maxEntries: 100_000,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
  maxPathBytes: 4096,
};
