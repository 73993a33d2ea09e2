import { sha256Digest } from '../digest';
import { MediaTypes } from '../media-types';
import type { RegistryClient } from '../registry.client';

export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const CYCLONEDX_JSON_MEDIA_TYPE = 'application/vnd.cyclonedx+json';
/** cosign marks each layer of a signature or attestation image with this (empty for attestations). */
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const OCI_EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';

/** One thing to attach: a signed envelope (with its statement's predicate type) or the raw SBOM. */
export interface Attachment {
  bytes: Buffer;
  mediaType: typeof DSSE_ENVELOPE_MEDIA_TYPE | typeof CYCLONEDX_JSON_MEDIA_TYPE;
  predicateType?: string;
}

export type AttachedAs = 'REFERRERS' | 'COSIGN_TAGS';

export interface AttachResult {
  attachedAs: AttachedAs;
  /** Manifest digests pushed, in the order of the attachments (one for all envelopes with cosign tags). */
  manifests: string[];
}

/**
 * Attaches attestations to an image in its repository: as OCI 1.1 referrers (artifact manifests
 * with `subject`) where the registry serves the referrers API, else the way cosign does without
 * it: `sha256-<hex>.att` holding every DSSE envelope as a layer, and `sha256-<hex>.sbom` the
 * raw SBOM (sigstore/cosign specs/ATTESTATION_SPEC.md, pkg/oci/static).
 */
export async function attachAttestations(
  client: RegistryClient,
  repository: string,
  imageDigest: string,
  envelopes: Attachment[],
  sbom: Attachment,
): Promise<AttachResult> {
  if (await client.referrersSupported(repository, imageDigest)) {
    const subject = await client.headManifest(repository, imageDigest);
    if (!subject) throw new Error(`the image ${repository}@${imageDigest} is not in the registry`);
    const manifests: string[] = [];
    for (const attachment of [...envelopes, sbom])
      manifests.push(
        await pushReferrer(
          client,
          repository,
          { mediaType: subject.mediaType, digest: imageDigest, size: subject.size },
          attachment,
        ),
      );
    return { attachedAs: 'REFERRERS', manifests };
  }
  const tag = cosignTag(imageDigest);
  const att = await pushCosignImage(client, repository, `${tag}.att`, envelopes);
  const bom = await pushCosignImage(client, repository, `${tag}.sbom`, [sbom]);
  return { attachedAs: 'COSIGN_TAGS', manifests: [att, bom] };
}

/** cosign's tag for things about `digest`: `sha256-<hex>`, then `.sig`, `.att` or `.sbom`. */
export function cosignTag(digest: string): string {
  return digest.replace(':', '-');
}

async function pushCosignImage(client: RegistryClient, repository: string, tag: string, layers: Attachment[]): Promise<string> {
  const descriptors = [];
  for (const layer of layers) {
    const pushed = await pushBlob(client, repository, layer.bytes);
    descriptors.push({
      mediaType: layer.mediaType,
      size: layer.bytes.length,
      digest: pushed,
      annotations:
        layer.mediaType === DSSE_ENVELOPE_MEDIA_TYPE
          ? { [COSIGN_SIGNATURE_ANNOTATION]: '', predicateType: layer.predicateType ?? '' }
          : undefined,
    });
  }
  // The config go-containerregistry's empty.Image gets once cosign appends its layers (uncompressed: diff_id = digest).
  const zero = '0001-01-01T00:00:00Z';
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      created: zero,
      history: descriptors.map(() => ({ created: zero })),
      os: '',
      rootfs: { type: 'layers', diff_ids: descriptors.map((d) => d.digest) },
      config: {},
    }),
  );
  const configDigest = await pushBlob(client, repository, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, size: config.length, digest: configDigest },
      layers: descriptors,
    }),
  );
  return client.putManifest(repository, tag, manifest, MediaTypes.ociManifest);
}

async function pushReferrer(
  client: RegistryClient,
  repository: string,
  subject: { mediaType: string; digest: string; size: number },
  attachment: Attachment,
): Promise<string> {
  const empty = Buffer.from('{}');
  const emptyDigest = await pushBlob(client, repository, empty);
  const layerDigest = await pushBlob(client, repository, attachment.bytes);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: attachment.mediaType,
      config: { mediaType: OCI_EMPTY_MEDIA_TYPE, size: empty.length, digest: emptyDigest },
      layers: [{ mediaType: attachment.mediaType, size: attachment.bytes.length, digest: layerDigest }],
      subject,
      ...(attachment.predicateType ? { annotations: { predicateType: attachment.predicateType } } : {}),
    }),
  );
  return client.putManifest(repository, sha256Digest(manifest), manifest, MediaTypes.ociManifest);
}

async function pushBlob(client: RegistryClient, repository: string, bytes: Buffer): Promise<string> {
  const digest = sha256Digest(bytes);
  if (!(await client.blobExists(repository, digest))) await client.uploadBlob(repository, bytes);
  return digest;
}
