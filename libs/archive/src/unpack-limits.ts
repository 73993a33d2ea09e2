/**
 * What an archive may unpack to. One set of limits serves both readers of a package: inspection
 * at upload (artifacts service) and unpacking for a build (assembler), so a package READY at
 * upload is one the build accepts. The variables that set them are named next to each field.
 */
export interface UnpackLimits {
  /** Entries in the archive, directories included (ARCHIVE_MAX_ENTRIES). */
  maxEntries: number;
  /** Sum of the unpacked file sizes, counted as bytes are inflated (ARCHIVE_MAX_TOTAL_BYTES). */
  maxTotalBytes: number;
  /** Bytes of one entry path, and of one symlink target. */
  maxPathBytes: number;
  /** Unpacked bytes per compressed byte an entry (a gzip stream for tar.gz) may reach (ARCHIVE_MAX_RATIO). */
  maxRatio: number;
  /** Below this many unpacked bytes an entry is never refused for its ratio (ARCHIVE_RATIO_MIN_BYTES). */
  ratioMinBytes: number;
}

export const DEFAULT_UNPACK_LIMITS: UnpackLimits = {
  maxEntries: 100_000,
  maxTotalBytes: 4 * 1024 * 1024 * 1024,
  maxPathBytes: 4096,
  maxRatio: 200,
  ratioMinBytes: 16 * 1024 * 1024,
};

/** The limits with every value checked, so a bad configuration fails at start and not per package. */
export function resolveUnpackLimits(overrides: Partial<UnpackLimits> = {}): UnpackLimits {
  const limits = { ...DEFAULT_UNPACK_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof UnpackLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1)
      throw new TypeError(`unpack limit ${key} must be a positive integer, got ${value}`);
    limits[key] = value;
  }
  return limits;
}

/** A service's ARCHIVE_* variables (artifacts and builds read the same ones) as the shared archive guard's limits. */
export function archiveLimitsOf(config: {
  ARCHIVE_MAX_TOTAL_BYTES: number;
  ARCHIVE_MAX_ENTRIES: number;
  ARCHIVE_MAX_RATIO: number;
  ARCHIVE_RATIO_MIN_BYTES: number;
}): Partial<UnpackLimits> {
  return {
    maxTotalBytes: config.ARCHIVE_MAX_TOTAL_BYTES,
    maxEntries: config.ARCHIVE_MAX_ENTRIES,
    maxRatio: config.ARCHIVE_MAX_RATIO,
    ratioMinBytes: config.ARCHIVE_RATIO_MIN_BYTES,
  };
}
