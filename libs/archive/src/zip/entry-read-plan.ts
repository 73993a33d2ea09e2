import { type CentralHeader, LOCAL_HEADER_BYTES } from './zip-records';

/** An entry whose data a directory scan reads: a symlink (for its target) or one the sink wants. */
export interface EntryRead {
  header: CentralHeader;
  /** The guard's clean path. */
  path: string;
  symlink: boolean;
  wanted: boolean;
  /** Unpacked bytes needed: a symlink's whole target, the first MAX_WANTED_ENTRY_BYTES of a wanted file. */
  limit: number;
  /** Compressed bytes read: all of them when `limit` covers the entry, else enough for `limit` bytes out. */
  dataLength: number;
}

/** Entry reads that lie close together, served by one ranged read of [start, end). */
export interface ReadGroup {
  start: number;
  end: number;
  reads: EntryRead[];
}

/**
 * Room left for a local header's extra field, which the central directory does not give (writers
 * put 0–40 bytes there: timestamps, Unix ids, zip64 sizes). A longer one costs one more read.
 */
const LOCAL_EXTRA_ALLOWANCE = 1024;
/**
 * Entries less than this far apart are read together: a gap of 64 KiB costs less than a request
 * (a few ms at S3 speeds), and the symlinks of a node_modules/.bin lie side by side.
 */
const MAX_GAP_BYTES = 64 * 1024;
/** One read holds at most this much, so what a scan holds at a time stays small. */
const MAX_GROUP_BYTES = 1024 * 1024;

/**
 * Compressed bytes that inflate to `unpacked` bytes with any real deflater: stored blocks grow
 * incompressible data by 5 bytes per 64 KiB, so twice as much plus 1 KiB leaves ample room.
 */
export function compressedBytesFor(unpacked: number): number {
  return 2 * unpacked + 1024;
}

/** The reads in archive order, those close together joined, none past the start of the central directory. */
export function groupEntryReads(reads: readonly EntryRead[], directoryOffset: number): ReadGroup[] {
  const sorted = [...reads].sort((a, b) => a.header.offset - b.header.offset);
  const groups: ReadGroup[] = [];
  let group: ReadGroup | null = null;
  for (const read of sorted) {
    const start = read.header.offset;
    const end = Math.min(
      directoryOffset,
      start + LOCAL_HEADER_BYTES + read.header.nameBytes.length + LOCAL_EXTRA_ALLOWANCE + read.dataLength,
    );
    if (group && start - group.end <= MAX_GAP_BYTES && Math.max(end, group.end) - group.start <= MAX_GROUP_BYTES) {
      group.end = Math.max(end, group.end);
      group.reads.push(read);
    } else {
      group = { start, end, reads: [read] };
      groups.push(group);
    }
  }
  return groups;
}
