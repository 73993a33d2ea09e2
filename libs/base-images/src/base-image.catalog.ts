import { createReadStream } from 'node:fs';
import { join } from 'node:path';

import { FAMILY_MEDIA_TYPES, type ImageManifest, type RegistryClient, type SeededImage, sha256Digest } from '@stagecraft/oci';

import { BaseImageBuildError, buildBaseImage } from './base-image.builder';
import {
  baseImageCacheDir,
  baseImageKey,
  type CachedBaseImage,
  DEFAULT_DEBIAN_MIRROR,
  pruneBaseImageCache,
  readCacheEntry,
  touchCacheEntry,
  UNUSED_ENTRY_DAYS,
  withLock,
} from './base-image.cache';
import { BASE_IMAGES, type BaseImageDefinition } from './definitions';

export interface PrepareOptions {
  /** Where built images are kept; baseImageCacheDir() by default. */
  cacheDir?: string;
  /** The Debian mirror (STAGECRAFT_DEBIAN_MIRROR); deb.debian.org by default. */
  mirror?: string;
  definitions?: readonly BaseImageDefinition[];
  /** Images built at once: each mmdebstrap keeps about one core busy. */
  parallel?: number;
  /** The mmdebstrap binary (`mmdebstrap` on PATH by default); null where it is not installed. */
  mmdebstrap?: string | null;
  /** Progress lines for the person waiting. */
  onProgress?: (line: string) => void;
}

const MiB = 1024 * 1024;

/**
 * The catalog's images, from the cache, building the ones it lacks (`parallel` at a time) and
 * printing a line as each starts and ends. Each image is built under a lock, so two processes
 * preparing at once build it once.
 */
export async function prepareBaseImages(options: PrepareOptions = {}): Promise<CachedBaseImage[]> {
  const cacheDir = options.cacheDir ?? baseImageCacheDir();
  const mirror = options.mirror ?? process.env['STAGECRAFT_DEBIAN_MIRROR'] ?? DEFAULT_DEBIAN_MIRROR;
  const definitions = options.definitions ?? BASE_IMAGES;
  const progress = options.onProgress ?? (() => undefined);
  const prepared: CachedBaseImage[] = new Array(definitions.length);
  let next = 0;
  const worker = async () => {
    while (next < definitions.length) {
      const index = next++;
      prepared[index] = await prepareOne(
        definitions[index],
        cacheDir,
        mirror,
        options.mmdebstrap === undefined ? 'mmdebstrap' : options.mmdebstrap,
        progress,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? 2) }, worker));
  await Promise.all(prepared.map((entry) => touchCacheEntry(entry)));
  const removed = await pruneBaseImageCache(cacheDir, new Set(prepared.map((entry) => entry.key)));
  if (removed.length)
    progress(`Removed ${removed.length} base image build(s) unused for ${UNUSED_ENTRY_DAYS} days from ${cacheDir}`);
  return prepared;
}

async function prepareOne(
  definition: BaseImageDefinition,
  cacheDir: string,
  mirror: string,
  mmdebstrap: string | null,
  progress: (line: string) => void,
): Promise<CachedBaseImage> {
  const key = baseImageKey(definition, mirror);
  const dir = join(cacheDir, key);
  const name = `${definition.repository}:${definition.tag}`;
  const cached = await readCacheEntry(definition, key, dir);
  if (cached) return cached;
  return withLock(
    `${dir}.lock`,
    async () => {
      const built = await readCacheEntry(definition, key, dir);
      if (built) return built;
      if (!mmdebstrap)
        throw new BaseImageBuildError(
          `the base image ${name} is not in ${cacheDir} and mmdebstrap is missing to build it: install it (Debian: apt-get install mmdebstrap)`,
        );
      const started = Date.now();
      progress(`Building base image ${name} from Debian ${definition.suite} (${definition.packages.join(' ')})…`);
      const entry = await buildBaseImage(definition, key, dir, { mirror, mmdebstrap });
      progress(
        `Built base image ${name} in ${Math.round((Date.now() - started) / 1000)} s: ${Math.round(entry.layer.size / MiB)} MiB compressed, kept in ${cacheDir}`,
      );
      return entry;
    },
    () => progress(`Waiting for another Stagecraft process building base image ${name}…`),
  );
}

/** Pushes prepared images into `client`'s registry under their repository and tag; what is there already is skipped. */
export async function seedBaseImages(client: RegistryClient, images: readonly CachedBaseImage[]): Promise<SeededImage[]> {
  const types = FAMILY_MEDIA_TYPES.oci;
  const seeded: SeededImage[] = [];
  for (const image of images) {
    const { repository, tag, stack } = image.definition;
    if (!(await client.blobExists(repository, image.layer.digest)))
      await client.uploadBlobStream(repository, createReadStream(image.layer.file, { highWaterMark: 1 << 20 }), {
        expectedDigest: image.layer.digest,
      });
    const configDigest = sha256Digest(image.config);
    if (!(await client.blobExists(repository, configDigest))) await client.uploadBlob(repository, image.config);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: types.manifest,
      config: { mediaType: types.config, digest: configDigest, size: image.config.length },
      layers: [{ mediaType: types.layerGzip, digest: image.layer.digest, size: image.layer.size }],
    };
    const digest = await client.putManifest(repository, tag, Buffer.from(JSON.stringify(manifest)), types.manifest);
    seeded.push({
      stack,
      repository,
      tag,
      reference: `${client.registry}/${repository}:${tag}`,
      digest,
      mediaType: types.manifest,
    });
  }
  return seeded;
}
