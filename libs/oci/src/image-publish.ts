import { sha256Digest } from './digest';
import type { Descriptor, ImageConfig, ImageManifest } from './manifest.types';
import { FAMILY_MEDIA_TYPES, type ManifestFamily } from './media-types';
import { formatSize } from './progress.format';
import type { RegistryClient } from './registry.client';

export interface PublishedImage {
  digest: string;
  size: number;
  configDigest: string;
}

/** Pushes the config blob (unless present) and the manifest under `tag`, all layers being in place. */
export async function publishImage(
  client: RegistryClient,
  repository: string,
  tag: string,
  image: { family: ManifestFamily; config: ImageConfig; layers: Descriptor[]; annotations?: Record<string, string> },
  log: (line: string) => void,
): Promise<PublishedImage> {
  const types = FAMILY_MEDIA_TYPES[image.family];
  const configBytes = Buffer.from(JSON.stringify(image.config));
  const config: Descriptor = { mediaType: types.config, digest: sha256Digest(configBytes), size: configBytes.length };
  if (await client.blobExists(repository, config.digest)) {
    log(`Config ${config.digest} already in ${repository}`);
  } else {
    await client.uploadBlob(repository, configBytes);
    log(`Config ${config.digest} pushed (${formatSize(configBytes.length)})`);
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config,
    layers: image.layers,
    // Docker v2 manifests have no annotations.
    ...(image.family === 'oci' && image.annotations && { annotations: image.annotations }),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = await client.putManifest(repository, tag, bytes, types.manifest);
  return { digest, size: bytes.length, configDigest: config.digest };
}
