/// <reference types="jest" />
// expectDemoAppItems asserts with Jest's global `expect`; bench code loads this module too, and never calls it.
import type { ArchiveItem } from '../archive-item';
import { sanitizeArchivePath } from '../archive-path';
import type { ArchiveEntrySink, ArchiveReader } from '../archive-reader';
import { DEFAULT_UNPACK_LIMITS } from '../unpack-limits';
import { tinyChunks } from './test-bytes';

/** An ArchiveEntrySink that records every entry name it hears of, and the contents of the `wanted` ones. */
export class RecordingSink implements ArchiveEntrySink {
  readonly names: string[] = [];
  readonly contents = new Map<string, string>();

  constructor(private readonly wanted: readonly string[] = []) {}

  entry(path: string): boolean {
    this.names.push(path);
    return this.wanted.includes(path);
  }

  content(path: string, bytes: Buffer): void {
    this.contents.set(path, bytes.toString('utf8'));
  }
}

/**
 * An ArchiveEntrySink that hears entries as a build unpacks them: under their clean paths, the
 * ones a build skips (__MACOSX/) left out. So readers that report raw names (the streaming ones)
 * and clean paths (scanZipDirectory) can be compared; `wanted` names clean paths.
 */
export class CleanPathSink implements ArchiveEntrySink {
  readonly entries: Array<[path: string, isDirectory: boolean]> = [];
  readonly contents = new Map<string, string>();

  constructor(private readonly wanted: readonly string[] = []) {}

  entry(name: string, isDirectory: boolean): boolean {
    const path = cleanPath(name);
    if (path === null) return false;
    this.entries.push([path, isDirectory]);
    return this.wanted.includes(path);
  }

  content(name: string, bytes: Buffer): void {
    this.contents.set(cleanPath(name) ?? name, bytes.toString('utf8'));
  }
}

function cleanPath(name: string): string | null {
  return sanitizeArchivePath(name, DEFAULT_UNPACK_LIMITS, { backslashIsSeparator: true });
}

/** Writes `bytes` to a streaming reader in tiny chunks (every header cut everywhere), then ends and frees it. */
export async function readThrough(reader: ArchiveReader, bytes: Buffer): Promise<void> {
  try {
    for await (const chunk of tinyChunks(bytes)) await reader.write(chunk as Buffer);
    await reader.end();
  } finally {
    reader.destroy();
  }
}

/** A file item's whole content, as text. */
export async function itemText(item: ArchiveItem | undefined): Promise<string> {
  if (item?.type !== 'file') throw new Error(`not a file item: ${JSON.stringify(item)}`);
  const parts: Buffer[] = [];
  for await (const chunk of await item.open()) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * What a reader that unpacks must make of the demo app both reader specs archive under `root`: the folder,
 * package.json (`{"name":"demo"}`), an executable bin/run and a symlink `current` → bin, in that order.
 */
export async function expectDemoAppItems(items: readonly ArchiveItem[], root: string): Promise<void> {
  expect(items.map(({ type, path, mode }) => ({ type, path, mode }))).toEqual([
    { type: 'directory', path: root, mode: 0o755 },
    { type: 'file', path: `${root}/package.json`, mode: 0o644 },
    { type: 'file', path: `${root}/bin/run`, mode: 0o755 },
    { type: 'symlink', path: `${root}/current`, mode: 0o777 },
  ]);
  expect(await itemText(items[1])).toBe('{"name":"demo"}');
  expect(items[3]).toMatchObject({ target: 'bin' });
}
