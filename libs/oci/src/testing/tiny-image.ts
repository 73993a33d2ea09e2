import { sha256Digest } from '../digest';
import { buildLayerInMemory } from '../layer.builder';
import type { ImageManifest, Platform } from '../manifest.types';
import { FAMILY_MEDIA_TYPES, type ManifestFamily } from '../media-types';
import type { RegistryClient } from '../registry.client';

export interface TinyImage {
  manifest: ImageManifest;
  manifestBytes: Buffer;
  digest: string;
  layerDigest: string;
  configDigest: string;
}

/** One small layer with `text` in /hello.txt, its config and manifest, pushed by digest (and by `tag` when given). */
export async function pushTinyImage(
  client: RegistryClient,
  repository: string,
  options: { family: ManifestFamily; text: string; tag?: string; platform?: Platform },
): Promise<TinyImage> {
  const types = FAMILY_MEDIA_TYPES[options.family];
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const layer = await buildLayerInMemory([{ type: 'file', path: '/hello.txt', content: Buffer.from(options.text) }]);
  await client.uploadBlob(repository, layer.bytes);
  const config = Buffer.from(
    JSON.stringify({ ...platform, config: { Cmd: ['/hello'] }, rootfs: { type: 'layers', diff_ids: [layer.diffId] } }),
  );
  await client.uploadBlob(repository, config);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, digest: sha256Digest(config), size: config.length },
    layers: [{ mediaType: types.layerGzip, digest: layer.digest, size: layer.size }],
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const digest = await client.putManifest(repository, options.tag ?? sha256Digest(manifestBytes), manifestBytes, types.manifest);
  return { manifest, manifestBytes, digest, layerDigest: layer.digest, configDigest: sha256Digest(config) };
}
