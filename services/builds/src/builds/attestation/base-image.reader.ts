import { isSha256Digest, OCI_LABELS, type RegistryClient } from '@stagecraft/oci';

/**
 * The base image the pushed image names (`org.opencontainers.image.base.name`/`.digest`, which
 * the assembler writes as manifest annotations and config labels), or null when it names none
 * (a custom Dockerfile's image): read from the image itself, so every executor is covered alike.
 */
export async function readBaseImage(
  client: RegistryClient,
  repository: string,
  imageDigest: string,
): Promise<{ name: string; digest: string } | null> {
  const manifest = await client.getRawManifest(repository, imageDigest);
  const fromAnnotations = pick(manifest.body.annotations);
  if (fromAnnotations || !('config' in manifest.body)) return fromAnnotations;
  const config = JSON.parse((await client.getBlobBytes(repository, manifest.body.config.digest)).toString('utf8')) as {
    config?: { Labels?: Record<string, string> | null };
  };
  return pick(config.config?.Labels ?? undefined);
}

function pick(values: Record<string, string> | undefined): { name: string; digest: string } | null {
  const name = values?.[OCI_LABELS.baseName];
  const digest = values?.[OCI_LABELS.baseDigest];
  return name && digest && isSha256Digest(digest) ? { name, digest } : null;
}
