import type { UploadSession } from './blob-upload';
import type { Descriptor } from './manifest.types';
import type { RegistryClient } from './registry.client';

export interface BlobLocation {
  client: RegistryClient;
  repository: string;
}

/** What it took to get a blob into the target repository. */
export type BlobCopyAction = 'present' | 'mounted' | 'copied';

/**
 * Makes `target` hold the blob `source` has: nothing when a HEAD finds it there already; on the
 * same registry a cross-repository mount, and when the registry answers that with an upload
 * session (202), the bytes streamed into it; across registries the bytes streamed through this
 * process, chunk by chunk, checked against the digest.
 */
export async function copyBlob(source: BlobLocation, target: BlobLocation, blob: Descriptor): Promise<BlobCopyAction> {
  if (await target.client.blobExists(target.repository, blob.digest)) return 'present';
  let session: UploadSession | undefined;
  if (source.client.registry === target.client.registry) {
    const mount = await target.client.mountBlob(target.repository, blob.digest, source.repository);
    if (mount.mounted) return 'mounted';
    session = mount.session;
  }
  const download = await source.client.getBlob(source.repository, blob.digest);
  try {
    await target.client.uploadBlobStream(target.repository, download.stream, { expectedDigest: blob.digest, session });
  } finally {
    download.stream.destroy();
  }
  return 'copied';
}

/** Runs `work` over `items` with at most `limit` at a time; results in input order; the first failure wins. */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
