import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { sniffArchiveFormat } from '@stagecraft/archive';
import * as tar from 'tar-stream';

export interface TarFileEntry {
  header: tar.Header;
  content: Buffer;
}

/**
 * Every entry of a tar or tar.gz blob, in archive order, with its contents (small layers only).
 * gzip is recognised by its first bytes unless `options.gzip` says.
 */
export async function readTarEntries(blob: Buffer | Readable, options: { gzip?: boolean } = {}): Promise<TarFileEntry[]> {
  const bytes = Buffer.isBuffer(blob) ? blob : await readAll(blob);
  const gzip = options.gzip ?? sniffArchiveFormat(bytes) === 'tar.gz';
  const source = Readable.from([bytes]);
  const extract = tar.extract();
  const input = gzip ? source.pipe(createGunzip()) : source;
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

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
