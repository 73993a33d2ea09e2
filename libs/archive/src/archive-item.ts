import type { Readable } from 'node:stream';

/** One entry of a package archive, its path already checked and relative to the archive root. */
export type ArchiveItem =
  | { type: 'directory'; path: string; mode: number }
  | { type: 'symlink'; path: string; mode: number; target: string }
  | { type: 'file'; path: string; mode: number; size: number; open: () => Promise<Readable> };
