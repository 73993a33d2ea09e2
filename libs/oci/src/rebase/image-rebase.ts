import { AssemblyError } from '../assembly.errors';
import { type BaseImage, pullBaseImage, readImageConfig } from '../base-image';
import { copyBlob, mapWithLimit } from '../blob-copier';
import { namedBase } from '../image-config';
import { publishImage } from '../image-publish';
import { formatImageReference, type ParsedImageReference } from '../image-reference';
import type { ImageConfig } from '../manifest.types';
import { familyOf } from '../media-types';
import type { RegistryClient } from '../registry.client';
import { RebaseError } from './rebase.error';
import { composeRebase, type ImageParts } from './rebase-composition';

/** Base layers copied into the image's repository at once (mounts on the same registry). */
const COPY_CONCURRENCY = 4;

export interface RebaseImageRequest {
  /** The image's registry, with pull and push rights on `repository`. */
  target: RegistryClient;
  repository: string;
  /** The image to rebase: a manifest digest in `repository`. */
  imageDigest: string;
  /** The rebased manifest is pushed under this tag. */
  tag: string;
  /** The base image's registry (pull). */
  base: RegistryClient;
  /** What to rebase onto: normally the image's own `org.opencontainers.image.base.name`. */
  baseReference: ParsedImageReference;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface RebasedImage {
  digest: string;
  /** registry/repository:tag of the rebased image. */
  reference: string;
  /** The new base's digest (the index's where it has one), as the image's label names it. */
  baseDigest: string;
  previousBaseDigest: string;
  /** Digests of the image's own layers, the same before and after. */
  appLayers: string[];
}

/**
 * Rebases an image the assembler made: only manifests and a config are written, the image's own
 * layers stay where they are, and the new base's layers are mounted (same registry) or copied
 * into the image's repository. The old base is the one the image names by digest
 * (`org.opencontainers.image.base.digest`), read from the base's repository.
 */
export async function rebaseImage(request: RebaseImageRequest): Promise<RebasedImage> {
  const log = request.log ?? (() => undefined);
  const { target, repository, imageDigest } = request;
  const manifest = await target.getManifest(repository, imageDigest);
  const config = (await readImageConfig(target, repository, manifest.body.config.digest)) as ImageConfig | undefined;
  if (!config?.rootfs) throw new RebaseError('NOT_REBASABLE', `the image ${repository}@${imageDigest} has no readable config`);
  const image: ImageParts = {
    family: familyOf(manifest.mediaType),
    layers: manifest.body.layers,
    config,
    annotations: manifest.body.annotations,
  };
  const previousBaseDigest = namedBase(manifest.body.annotations, config.config?.Labels)?.digest;
  if (!previousBaseDigest)
    throw new RebaseError('NOT_REBASABLE', `the image ${repository}@${imageDigest} names no base image digest`);

  const baseRepository = request.baseReference.repository;
  const oldBase = await pullBase(request.base, { ...request.baseReference, tag: undefined, digest: previousBaseDigest }, log);
  const newBase = await pullBase(request.base, request.baseReference, log);
  const reference = formatImageReference({ registry: target.registry, repository, tag: request.tag });
  const composed = composeRebase(
    image,
    partsOf(oldBase),
    { ...partsOf(newBase), digest: newBase.digest },
    request.now?.() ?? new Date(),
  );

  const actions = await mapWithLimit(newBase.manifest.body.layers, COPY_CONCURRENCY, (layer) =>
    copyBlob({ client: request.base, repository: baseRepository }, { client: target, repository }, layer),
  );
  log(
    `Base layers of ${formatImageReference(request.baseReference)} in ${repository}: ${actions.filter((a) => a !== 'copied').length} present or mounted, ${actions.filter((a) => a === 'copied').length} copied`,
  );
  const published = await publishImage(
    target,
    repository,
    request.tag,
    { family: image.family, config: composed.config, layers: composed.layers, annotations: composed.annotations },
    log,
  );
  log(
    `Rebased ${repository}@${imageDigest} from base ${previousBaseDigest} onto ${newBase.digest}: ${reference} is ${published.digest}, its ${composed.appLayers.length} own layers unchanged`,
  );
  return {
    digest: published.digest,
    reference,
    baseDigest: newBase.digest,
    previousBaseDigest,
    appLayers: composed.appLayers.map((layer) => layer.digest),
  };
}

/** The image a reference names, as a base; a base that cannot be read or extended is BASE_INVALID. */
async function pullBase(
  client: RegistryClient,
  reference: ParsedImageReference,
  log: (line: string) => void,
): Promise<BaseImage> {
  try {
    return await pullBaseImage(client, reference, log);
  } catch (error) {
    if (error instanceof AssemblyError) throw new RebaseError('BASE_INVALID', error.message);
    throw error;
  }
}

function partsOf(base: BaseImage): ImageParts {
  return { family: base.family, layers: base.manifest.body.layers, config: base.config };
}
