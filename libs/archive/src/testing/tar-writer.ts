import { gzipSync } from 'node:zlib';

import * as tar from 'tar-stream';

export interface TarFixtureEntry {
  name: string;
  type?: tar.Header['type'];
  content?: Buffer | string;
  mode?: number;
  linkname?: string;
  mtime?: Date;
}

/** A tar (gzip'd unless `gzip: false`) with any entry names, for tests. Not for production use. */
export async function buildTarball(entries: readonly TarFixtureEntry[], options: { gzip?: boolean } = {}): Promise<Buffer> {
  const pack = tar.pack();
  const collected = (async () => {
    const parts: Buffer[] = [];
    for await (const chunk of pack as AsyncIterable<Buffer>) parts.push(chunk);
    return Buffer.concat(parts);
  })();
  for (const entry of entries) {
    const header = {
      name: entry.name,
      type: entry.type ?? 'file',
      mode: entry.mode,
      linkname: entry.linkname,
      mtime: entry.mtime ?? new Date(0),
    };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (header.type === 'file') pack.entry(header, Buffer.from(entry.content ?? ''), done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  const bytes = await collected;
  return options.gzip === false ? bytes : gzipSync(bytes);
}
