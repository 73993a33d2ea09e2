import { OCI_LABELS, rfc3339 } from '../image-config';
import type { ContainerConfig, Descriptor, HistoryEntry, ImageConfig } from '../manifest.types';
import type { ManifestFamily } from '../media-types';
import { RebaseError } from './rebase.error';

/** An image as the composition sees it: its manifest family, layers (in order), config and manifest annotations. */
export interface ImageParts {
  family: ManifestFamily;
  layers: Descriptor[];
  config: ImageConfig;
  annotations?: Record<string, string>;
}

export interface RebaseComposition {
  layers: Descriptor[];
  config: ImageConfig;
  annotations: Record<string, string>;
  /** The image's own layers (above the base), kept byte for byte. */
  appLayers: Descriptor[];
}

/**
 * The image with its base swapped: `oldBase`'s layers (which must be the image's first ones, with
 * the same diff ids) replaced by `newBase`'s, the image's own layers kept as they are (same
 * digests), and the config rebuilt: diff ids and history of the new base followed by the image's
 * own, the platform of the new base, and `org.opencontainers.image.base.digest` naming it.
 *
 * The runtime settings are merged three ways, per field (and per variable of Env, per label):
 * where the image kept the old base's value, the new base's value is taken (a base that moves
 * JAVA_HOME or PATH is followed); where the image set its own, the image's stays.
 */
export function composeRebase(
  image: ImageParts,
  oldBase: ImageParts,
  newBase: ImageParts & { digest: string },
  created: Date,
): RebaseComposition {
  const count = oldBase.layers.length;
  if (image.family !== newBase.family)
    throw new RebaseError(
      'NOT_REBASABLE',
      `the new base is ${familyName(newBase.family)} and the image ${familyName(image.family)}: its layers' media types would not match`,
    );
  const sameLayers = image.layers.length > count && oldBase.layers.every((layer, i) => layer.digest === image.layers[i].digest);
  const oldDiffIds = oldBase.config.rootfs.diff_ids;
  const sameDiffIds = oldDiffIds.every((diffId, i) => diffId === image.config.rootfs.diff_ids[i]);
  if (!sameLayers || !sameDiffIds)
    throw new RebaseError('NOT_REBASABLE', `the image's first ${count} layers are not the ones of the base it names`);

  const appLayers = image.layers.slice(count);
  const baseHistory = oldBase.config.history?.length ?? 0;
  const stamp = rfc3339(created);
  const history: HistoryEntry[] = [
    ...(newBase.config.history ?? []),
    ...(image.config.history ?? []).slice(baseHistory),
    { created: stamp, created_by: `stagecraft: rebase onto ${newBase.digest}`, empty_layer: true },
  ];
  const container = mergeContainer(oldBase.config.config ?? {}, newBase.config.config ?? {}, image.config.config ?? {});
  container.Labels = { ...container.Labels, [OCI_LABELS.baseDigest]: newBase.digest };
  const config: ImageConfig = {
    ...image.config,
    created: stamp,
    architecture: newBase.config.architecture,
    os: newBase.config.os,
    ...(newBase.config.variant ? { variant: newBase.config.variant } : {}),
    config: container,
    rootfs: { type: 'layers', diff_ids: [...newBase.config.rootfs.diff_ids, ...image.config.rootfs.diff_ids.slice(count)] },
    history,
  };
  if (!newBase.config.variant) delete config.variant;
  return {
    layers: [...newBase.layers, ...appLayers],
    config,
    annotations: { ...image.annotations, [OCI_LABELS.baseDigest]: newBase.digest },
    appLayers,
  };
}

/** Per field: the image's value where it is its own, else the new base's (see composeRebase). */
function mergeContainer(oldBase: ContainerConfig, newBase: ContainerConfig, image: ContainerConfig): ContainerConfig {
  const merged: ContainerConfig = {};
  for (const field of new Set([...Object.keys(oldBase), ...Object.keys(newBase), ...Object.keys(image)])) {
    if (field === 'Env' || field === 'Labels') continue;
    const own = !sameValue(image[field], oldBase[field]);
    const value = own ? image[field] : newBase[field];
    if (value !== undefined) merged[field] = value;
  }
  const env = mergeRecords(envRecord(oldBase.Env), envRecord(newBase.Env), envRecord(image.Env));
  if (Object.keys(env).length > 0) merged.Env = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  merged.Labels = mergeRecords(oldBase.Labels ?? {}, newBase.Labels ?? {}, image.Labels ?? {});
  return merged;
}

function mergeRecords(
  oldBase: Record<string, string>,
  newBase: Record<string, string>,
  image: Record<string, string>,
): Record<string, string> {
  const merged: Record<string, string> = {};
  // The image's order first (it is the one users read), then what only the new base adds.
  for (const name of new Set([...Object.keys(image), ...Object.keys(newBase)])) {
    const own = image[name] !== oldBase[name];
    const value = own ? image[name] : newBase[name];
    if (value !== undefined) merged[name] = value;
  }
  return merged;
}

function envRecord(env: string[] | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const entry of env ?? []) {
    const at = entry.indexOf('=');
    if (at > 0) record[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return record;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function familyName(family: ManifestFamily): string {
  return family === 'oci' ? 'an OCI image' : 'a Docker v2 image';
}
