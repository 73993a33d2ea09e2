import type { V1Node } from '@kubernetes/client-node';

/** What Stagecraft keeps of a Node: enough to pick build nodes and to show them. */
export interface NodeSummary {
  name: string;
  labels: Record<string, string>;
  /** The Ready condition is True. */
  ready: boolean;
  /** Cordoned (spec.unschedulable): new pods are not scheduled there. */
  unschedulable: boolean;
  internalIP?: string;
  externalIP?: string;
}

export function summarizeNode(node: V1Node): NodeSummary {
  const addresses = node.status?.addresses ?? [];
  const address = (type: string) => addresses.find((a) => a.type === type)?.address;
  const summary: NodeSummary = {
    name: node.metadata?.name ?? '',
    labels: { ...(node.metadata?.labels ?? {}) },
    ready: node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
    unschedulable: node.spec?.unschedulable === true,
  };
  const internalIP = address('InternalIP');
  const externalIP = address('ExternalIP');
  if (internalIP) summary.internalIP = internalIP;
  if (externalIP) summary.externalIP = externalIP;
  return summary;
}
