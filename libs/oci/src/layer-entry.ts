import type { Readable } from 'node:stream';

/** A file whose bytes are at hand. */
export interface LayerBufferFile {
  type: 'file';
  /** Path inside the image; a leading `/` is optional. */
  path: string;
  mode?: number;
  content: Buffer;
}

/** A file read from a stream when its turn comes; `size` must be exact (tar headers come first). */
export interface LayerStreamFile {
  type: 'file';
  path: string;
  mode?: number;
  size: number;
  open: () => Readable | AsyncIterable<Uint8Array> | Promise<Readable | AsyncIterable<Uint8Array>>;
}

export interface LayerDirectory {
  type: 'directory';
  path: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface LayerSymlink {
  type: 'symlink';
  path: string;
  target: string;
}

export type LayerEntry = LayerBufferFile | LayerStreamFile | LayerDirectory | LayerSymlink;

/** The entries are not a layer this builder will write (bad path, duplicate, wrong size). */
export class LayerError extends Error {
  override readonly name = 'LayerError';
}

/**
 * `/app/./x` → `app/x`. Refuses what a layer must never hold: an empty path, NUL, `..`, and
 * whiteout names (`.wh.*`), which would delete files of the layers below.
 */
export function normalizeLayerPath(path: string): string {
  if (path.includes('\0')) throw new LayerError(`the path ${JSON.stringify(path)} contains a NUL byte`);
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new LayerError(`the path ${JSON.stringify(path)} contains ".."`);
    if (part.startsWith('.wh.')) throw new LayerError(`the path ${JSON.stringify(path)} is a whiteout name (".wh.")`);
    parts.push(part);
  }
  if (parts.length === 0) throw new LayerError(`the path ${JSON.stringify(path)} names the root`);
  return parts.join('/');
}
