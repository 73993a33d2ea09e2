import { namedBase, readImageConfig, type RegistryClient } from '@stagecraft/oci';

/**
 * The base image the pushed image names (`namedBase`: manifest annotations, else config labels),
 * or null when it names none (a custom Dockerfile's image): read from the image itself, so every
 * executor is covered alike. The config is read only when the annotations name no base.
 */
export async function readBaseImage(
  client: RegistryClient,
  repository: string,
  imageDigest: string,
): Promise<{ name: string; digest: string } | null> {
  const manifest = await client.getRawManifest(repository, imageDigest);
  const fromAnnotations = namedBase(manifest.body.annotations, undefined);
  if (fromAnnotations || !('config' in manifest.body)) return fromAnnotations;
  const config = (await readImageConfig(client, repository, manifest.body.config.digest)) as
    | { config?: { Labels?: Record<string, string> | null } }
    | undefined;
  return namedBase(undefined, config?.config?.Labels);
}
