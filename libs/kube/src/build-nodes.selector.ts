import type { NodeSummary } from './node-summary';

export interface BuildNodeCandidate extends NodeSummary {
  hasExternalIP: boolean;
}

export interface BuildNodeSelection {
  /** Ready, schedulable nodes carrying every requested label, sorted by name. */
  nodes: BuildNodeCandidate[];
  /** How many of them also have an ExternalIP. */
  eligibleCount: number;
}

/**
 * The nodes a build pinned to `labels` (key = value, all required) can run on. Cordoned nodes are
 * left out with the not-ready ones: the scheduler would never place the build pod there.
 */
export function selectBuildNodes(
  nodes: readonly NodeSummary[],
  labels: Readonly<Record<string, string>> = {},
): BuildNodeSelection {
  const wanted = Object.entries(labels);
  const selected = nodes
    .filter(
      (n) =>
        n.ready &&
        !n.unschedulable &&
        wanted.every(([k, v]) => Object.prototype.hasOwnProperty.call(n.labels, k) && n.labels[k] === v),
    )
    .map((n) => ({ ...n, labels: { ...n.labels }, hasExternalIP: Boolean(n.externalIP) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { nodes: selected, eligibleCount: selected.filter((n) => n.hasExternalIP).length };
}
