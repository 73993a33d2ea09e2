import { AssemblyError } from './assembly.errors';
import { imageConfigProblem } from './image-config';
import { formatImageReference, manifestReferenceOf, type ParsedImageReference } from './image-reference';
import type { ImageConfig } from './manifest.types';
import { familyOf, type ManifestFamily } from './media-types';
import { formatPlatform } from './platform';
import { formatSize } from './progress.format';
import type { PulledImageManifest, RegistryClient } from './registry.client';

export interface BaseImage {
  reference: ParsedImageReference;
  manifest: PulledImageManifest;
  family: ManifestFamily;
  config: ImageConfig;
  /** What `org.opencontainers.image.base.digest` names: the index when there was one. */
  digest: string;
}

const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** The base image's manifest (for the client's platform) and its config, checked to be extendable. */
export async function pullBaseImage(
  client: RegistryClient,
  reference: ParsedImageReference,
  log: (line: string) => void,
): Promise<BaseImage> {
  log(`Pulling base image ${formatImageReference(reference)}`);
  const manifest = await client.getManifest(reference.repository, manifestReferenceOf(reference));
  const family = familyOf(manifest.mediaType);
  const layers = manifest.body.layers;
  const via = manifest.index ? ` (${formatPlatform(manifest.index.platform)} from index ${manifest.index.digest})` : '';
  const size = formatSize(layers.reduce((sum, l) => sum + l.size, 0));
  log(
    `Base image manifest ${manifest.digest}${via}: ${family === 'oci' ? 'OCI' : 'Docker v2'}, ${layers.length} layers, ${size}`,
  );

  const config = await readImageConfig(client, reference.repository, manifest.body.config.digest);
  if (config === undefined)
    throw new AssemblyError('BASE_IMAGE_INVALID', `the base image config ${manifest.body.config.digest} is not JSON`);
  const problem = imageConfigProblem(config, layers.length);
  if (problem) throw new AssemblyError('BASE_IMAGE_INVALID', `the base image cannot be extended: ${problem}`);
  return { reference, manifest, family, config: config as ImageConfig, digest: manifest.index?.digest ?? manifest.digest };
}

/** An image's config blob (at most 8 MiB, its digest checked), parsed; undefined when it is not JSON. */
export async function readImageConfig(client: RegistryClient, repository: string, digest: string): Promise<unknown> {
  const bytes = await client.getBlobBytes(repository, digest, MAX_CONFIG_BYTES);
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
