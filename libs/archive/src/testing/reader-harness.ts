import type { ArchiveItem } from '../archive-item';
import type { ArchiveEntrySink, ArchiveReader } from '../archive-reader';
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
