import { isSha256Digest } from './digest';
import type { ContainerConfig, HistoryEntry, ImageConfig } from './manifest.types';

export const OCI_LABELS = {
  created: 'org.opencontainers.image.created',
  title: 'org.opencontainers.image.title',
  baseName: 'org.opencontainers.image.base.name',
  baseDigest: 'org.opencontainers.image.base.digest',
} as const;

/**
 * The base an image names (`org.opencontainers.image.base.name` and `.digest`, which the assembler
 * writes as manifest annotations and config labels): the annotations', else the labels'; null
 * when neither names both, or the digest is not one.
 */
export function namedBase(
  annotations: Record<string, string> | undefined,
  labels: Record<string, string> | null | undefined,
): { name: string; digest: string } | null {
  for (const values of [annotations, labels]) {
    const name = values?.[OCI_LABELS.baseName];
    const digest = values?.[OCI_LABELS.baseDigest];
    if (name && digest && isSha256Digest(digest)) return { name, digest };
  }
  return null;
}

export interface ConfigChange {
  /** Layers added between the base's and the top one (the dependency layer), each with its history entry. */
  before?: { diffId: string; history: Omit<HistoryEntry, 'created'> }[];
  /** diffID of the layer added on top. */
  diffId: string;
  created: Date;
  history: Omit<HistoryEntry, 'created'>;
  /** Base labels first, then these (later wins). */
  labels: Record<string, string>;
  container: (base: ContainerConfig) => ContainerConfig;
}

/** RFC 3339 the way Go writes it (and skopeo shows it): no fraction when it is zero. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

/** The base image's config with the new layers (`before`, then the top one), their history entries, the new labels and runtime settings. */
export function deriveImageConfig(base: ImageConfig, change: ConfigChange): ImageConfig {
  const created = rfc3339(change.created);
  const before = change.before ?? [];
  const container = change.container({ ...(base.config ?? {}) });
  container.Labels = { ...(base.config?.Labels ?? {}), ...change.labels };
  return {
    ...base,
    created,
    config: container,
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, ...before.map((l) => l.diffId), change.diffId] },
    history: [...(base.history ?? []), ...before.map((l) => ({ created, ...l.history })), { created, ...change.history }],
  };
}

/** Checks the fields the assembler relies on; returns what is wrong, or null. */
export function imageConfigProblem(config: unknown, layerCount: number): string | null {
  const c = config as Partial<ImageConfig> | null;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return 'the config is not a JSON object';
  if (!c.rootfs || c.rootfs.type !== 'layers' || !Array.isArray(c.rootfs.diff_ids)) return 'the config has no rootfs.diff_ids';
  if (c.rootfs.diff_ids.length !== layerCount) {
    return `the config lists ${c.rootfs.diff_ids.length} diff_ids for ${layerCount} layers`;
  }
  if (c.config !== undefined && (typeof c.config !== 'object' || Array.isArray(c.config)))
    return 'the config\'s "config" is not an object';
  return null;
}
