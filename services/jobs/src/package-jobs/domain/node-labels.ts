import type { LabelDto } from '@stagecraft/contracts';

import { invalidField } from './invalid-field';

// Kubernetes label syntax: an optional DNS-subdomain prefix and a name of up to 63 characters.
const KEY =
  /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Node labels a build is pinned to: valid Kubernetes labels, each key once, sorted. */
export function checkNodeLabels(labels: readonly LabelDto[] | null | undefined): LabelDto[] {
  const checked = [...(labels ?? [])];
  const seen = new Set<string>();
  for (const [index, label] of checked.entries()) {
    if (!KEY.test(label.key) || label.key.length > 317)
      throw invalidField(`nodeLabels[${index}].key`, `nodeLabels[${index}].key is not a valid label key`);
    if (!VALUE.test(label.value))
      throw invalidField(`nodeLabels[${index}].value`, `nodeLabels[${index}].value is not a valid label value`);
    if (seen.has(label.key)) throw invalidField(`nodeLabels[${index}].key`, `nodeLabels names ${label.key} twice`);
    seen.add(label.key);
  }
  return checked.map(({ key, value }) => ({ key, value })).sort((a, b) => (a.key < b.key ? -1 : 1));
}
