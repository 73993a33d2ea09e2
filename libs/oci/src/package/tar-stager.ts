import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

import * as tar from 'tar-stream';

import { PackageRejectedError } from '../assembly.errors';
import type { ArchiveItem } from './archive-item';
import { normalizeFileMode, sanitizeArchivePath } from './archive-path';
import type { UnpackLimits } from './unpack-limits';

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
  const extract = tar.extract();
  const input = createReadStream(file, { highWaterMark: 256 * 1024 });
  const gunzip = gzipped ? createGunzip({ chunkSize: 64 * 1024 }) : null;
  const fail = (err: Error) =>
    extract.destroy(new PackageRejectedError(`corrupt ${gzipped ? 'tar.gz' : 'tar'} archive: ${err.message}`));
  input.on('error', fail);
  gunzip?.on('error', fail);
  (gunzip ? input.pipe(gunzip) : input).pipe(extract as unknown as NodeJS.WritableStream);

  const items: ArchiveItem[] = [];
  let count = 0;
  let total = 0;
  try {
    for await (const entry of extract) {
      const header = entry.header;
      if (++count > limits.maxEntries)
        throw new PackageRejectedError(`the archive has more than the limit of ${limits.maxEntries} entries`);
      const path = sanitizeArchivePath(header.name, limits, { backslashIsSeparator: false });
      if (path === null || header.type === 'directory' || header.type === 'symlink') entry.resume();
      if (path === null) continue;
      switch (header.type) {
        case 'directory':
          items.push({ type: 'directory', path, mode: 0o755 });
          break;
        case 'symlink':
          items.push({ type: 'symlink', path, mode: 0o777, target: header.linkname ?? '' });
          break;
        case 'file':
        case 'contiguous-file': {
          total += header.size;
          if (total > limits.maxTotalBytes)
            throw new PackageRejectedError(`the archive unpacks to more than the limit of ${limits.maxTotalBytes} bytes`);
          const staged = join(stagingDir, String(count));
          await pipeline(iterate(entry as AsyncIterable<Uint8Array>), createWriteStream(staged, { flags: 'wx' }));
          items.push({
            type: 'file',
            path,
            mode: normalizeFileMode(header.mode),
            size: header.size,
            open: async () => createReadStream(staged),
          });
          break;
        }
        case 'link':
          throw new PackageRejectedError(
            `the archive entry ${JSON.stringify(header.name)} is a hard link (not supported; archive a copy instead)`,
          );
        default:
          throw new PackageRejectedError(
            `the archive entry ${JSON.stringify(header.name)} is a ${header.type ?? 'special file'}, which a package cannot hold`,
          );
      }
    }
  } catch (err) {
    if (err instanceof PackageRejectedError) throw err;
    throw new PackageRejectedError(`corrupt ${gzipped ? 'tar.gz' : 'tar'} archive: ${(err as Error).message}`);
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
