import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The package could not be fetched from its repository; a platform fault (ERROR), never the user's. */
export class PackageDownloadError extends Error {
  override readonly name = 'PackageDownloadError';

  constructor(
    readonly reason: 'PACKAGE_DOWNLOAD_FAILED' | 'PACKAGE_CORRUPTED',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Streams the package from its presigned URL to `file`, checking the sha256 recorded when it was
 * read; resolves to its size. Messages never hold the URL (its query string is a capability).
 */
export async function downloadPackage(
  url: string,
  file: string,
  expectedSha256: string,
  signal: AbortSignal,
  /** The platform passes its egress policy's fetch (docs/security.md#egress). */
  fetchFn: typeof fetch = fetch,
): Promise<number> {
  let response: Response;
  try {
    response = await fetchFn(url, { signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new PackageDownloadError('PACKAGE_DOWNLOAD_FAILED', 'the package repository could not be reached');
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new PackageDownloadError('PACKAGE_DOWNLOAD_FAILED', `the package repository answered HTTP ${response.status}`);
  }
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const body = Readable.fromWeb(response.body as never);
  const output = createWriteStream(file);
  // A failing body (connection reset, truncated answer) is the repository's fault; a failing write is not.
  let firstFailure: 'body' | 'file' | undefined;
  body.once('error', () => (firstFailure ??= 'body'));
  output.once('error', () => (firstFailure ??= 'file'));
  try {
    await pipeline(body, measure, output, { signal });
  } catch (error) {
    if (signal.aborted || firstFailure !== 'body') throw error;
    throw new PackageDownloadError('PACKAGE_DOWNLOAD_FAILED', `the package download broke off after ${size} bytes`);
  }
  const actual = hash.digest('hex');
  if (actual !== expectedSha256) {
    throw new PackageDownloadError(
      'PACKAGE_CORRUPTED',
      `the package's sha256 is ${actual}, not the ${expectedSha256} recorded when it was uploaded`,
    );
  }
  return size;
}
