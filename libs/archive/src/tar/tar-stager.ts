import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

import * as tar from 'tar-stream';

import { ArchiveGuard } from '../archive-guard';
import type { ArchiveItem } from '../archive-item';
import { normalizeFileMode } from '../archive-path';
import { ArchiveRejection } from '../archive-rejection';
import type { UnpackLimits } from '../unpack-limits';
import { tarKind } from './tar-kind';

/**
 * A tar (or tar.gz) read once, front to back. A gzip stream cannot be read out of order, and a
 * layer needs its entries sorted, so each file's bytes are written to a numbered file in
 * `stagingDir` (never under the archive's own names) and the items read them back from there.
 */
export async function stageTarItems(
  file: string,
  gzipped: boolean,
  stagingDir: string,
  limits: UnpackLimits,
): Promise<ArchiveItem[]> {
  const guard = new ArchiveGuard(limits, gzipped ? 'tar.gz' : 'tar');
  const extract = tar.extract();
  const input = createReadStream(file, { highWaterMark: 256 * 1024 });
  const gunzip = gzipped ? createGunzip({ chunkSize: 64 * 1024 }) : null;
  const fail = (err: Error) =>
    extract.destroy(new ArchiveRejection(`corrupt ${gzipped ? 'tar.gz' : 'tar'} archive: ${err.message}`));
  input.on('error', fail);
  gunzip?.on('error', fail);
  if (gunzip) {
    // The whole gzip stream is held to the ratio limit as it inflates (a tar has no per-entry compression).
    let packed = 0;
    let unpacked = 0;
    input.on('data', (chunk) => (packed += chunk.length));
    gunzip.on('data', (chunk: Buffer) => {
      unpacked += chunk.length;
      try {
        guard.checkRatio(null, unpacked, packed);
      } catch (err) {
        input.destroy();
        extract.destroy(err as Error);
      }
    });
  }
  (gunzip ? input.pipe(gunzip) : input).pipe(extract as unknown as NodeJS.WritableStream);

  const items: ArchiveItem[] = [];
  let count = 0;
  try {
    for await (const entry of extract) {
      const header = entry.header;
      count++;
      const path = guard.entry(header.name, tarKind(header.type), {
        linkTarget: header.linkname ?? '',
        typeName: header.type ?? undefined,
      });
      if (path === null || header.type === 'directory' || header.type === 'symlink') entry.resume();
      if (path === null) continue;
      switch (header.type) {
        case 'directory':
          items.push({ type: 'directory', path, mode: 0o755 });
          break;
        case 'symlink':
          items.push({ type: 'symlink', path, mode: 0o777, target: header.linkname ?? '' });
          break;
        default: {
          const size = header.size ?? 0;
          guard.addUnpacked(size);
          const staged = join(stagingDir, String(count));
          await pipeline(iterate(entry as AsyncIterable<Uint8Array>), createWriteStream(staged, { flags: 'wx' }));
          items.push({
            type: 'file',
            path,
            mode: normalizeFileMode(header.mode ?? null),
            size,
            open: async () => createReadStream(staged),
          });
          break;
        }
      }
    }
  } catch (err) {
    if (err instanceof ArchiveRejection) throw err;
    throw new ArchiveRejection(`corrupt ${gzipped ? 'tar.gz' : 'tar'} archive: ${(err as Error).message}`);
  } finally {
    input.destroy();
    gunzip?.destroy();
  }
  return items;
}

/** Node's pipeline takes any async iterable; a streamx stream is safest passed as one. */
async function* iterate(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) yield chunk;
}
