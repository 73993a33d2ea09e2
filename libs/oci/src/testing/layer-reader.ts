import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import * as tar from 'tar-stream';

export interface TarFileEntry {
  header: tar.Header;
  content: Buffer;
}

/** Every entry of a tar or tar.gz blob, in archive order, with its contents (small layers only). */
export async function readTarEntries(blob: Buffer | Readable, options: { gzip?: boolean } = {}): Promise<TarFileEntry[]> {
  const source = Buffer.isBuffer(blob) ? Readable.from([blob]) : blob;
  const extract = tar.extract();
  const input = options.gzip === false ? source : source.pipe(createGunzip());
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract as unknown as NodeJS.WritableStream);
  const entries: TarFileEntry[] = [];
  for await (const entry of extract) {
    const parts: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) parts.push(chunk);
    entries.push({ header: entry.header, content: Buffer.concat(parts) });
  }
  return entries;
}
