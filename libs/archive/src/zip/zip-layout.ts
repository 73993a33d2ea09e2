import { ArchiveRejection } from '../archive-rejection';
import { quotedName } from '../entry-name';

/** Where one zip entry lies: from its local header to the end of its data. */
export interface ZipExtent {
  name: string;
  offset: number;
  end: number;
}

/**
 * Refuses a zip whose central directory makes entries share bytes (many entries pointing at one
 * compressed stream: the "overlapping" zip bomb) or lie outside the entry area, which ends where
 * the central directory starts. Local headers and data must tile the archive without overlap.
 */
export function checkZipExtents(extents: readonly ZipExtent[], directoryOffset: number): void {
  const sorted = [...extents].sort((a, b) => a.offset - b.offset || a.end - b.end);
  let previous: ZipExtent | null = null;
  for (const extent of sorted) {
    if (extent.offset < 0 || extent.end > directoryOffset) {
      throw new ArchiveRejection(
        `corrupt zip archive: the entry ${quotedName(extent.name)} lies outside the archive's entries ` +
          `(bytes ${extent.offset}–${extent.end}, the central directory starts at ${directoryOffset})`,
      );
    }
    if (previous && extent.offset < previous.end) {
      throw new ArchiveRejection(
        `corrupt zip archive: the entries ${quotedName(previous.name)} and ${quotedName(extent.name)} overlap ` +
          `(both use bytes ${extent.offset}–${Math.min(previous.end, extent.end)}): refusing a likely zip bomb`,
      );
    }
    previous = extent;
  }
}
