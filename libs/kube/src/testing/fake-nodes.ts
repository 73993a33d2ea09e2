// Nodes as the kubelet reports them: labels, the Ready condition, addresses and node info, changed
// by the test as a node joins, fails or leaves.
import { FakeKubeApi } from './fake-kube-api';
import { FakeKubeError, Status } from './kube-status';
import { KubeObject } from './resource-types';

export interface SeedNode {
  name: string;
  labels?: Record<string, string>;
  ready?: boolean;
  internalIP?: string;
  externalIP?: string;
  unschedulable?: boolean;
}

export interface NodeChanges {
  /** Merged into the node's labels; null removes a label. */
  labels?: Record<string, string | null>;
  ready?: boolean;
  /** null removes the address. */
  internalIP?: string | null;
  externalIP?: string | null;
  unschedulable?: boolean;
}

type NodeStatus = {
  conditions?: { type: string; status: string }[];
  addresses?: { type: string; address: string }[];
};

const nowTimestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export function seedNode(api: FakeKubeApi, spec: SeedNode, kubeletVersion: string): KubeObject {
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: {
        'kubernetes.io/hostname': spec.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...spec.labels,
      },
    },
    spec: spec.unschedulable ? { unschedulable: true } : {},
    status: {
      conditions: [readyCondition(spec.ready ?? true, nowTimestamp())],
      addresses: addresses(spec.name, spec.internalIP, spec.externalIP),
      nodeInfo: {
        kubeletVersion,
        operatingSystem: 'linux',
        architecture: 'amd64',
        containerRuntimeVersion: 'containerd://1.7.20',
      },
    },
  };
  return api.create(api.resolve('nodes'), undefined, node, { keepStatus: true });
}

export function updateNode(api: FakeKubeApi, name: string, changes: NodeChanges): KubeObject {
  const type = api.resolve('nodes');
  const node = api.store.get(type.id, undefined, name);
  if (!node) throw new FakeKubeError(Status.notFound({ group: '', resource: 'nodes' }, name));
  const status = (node.status ?? {}) as NodeStatus;
  if (changes.labels) {
    const labels = { ...node.metadata.labels };
    for (const [k, v] of Object.entries(changes.labels)) {
      if (v === null) delete labels[k];
      else labels[k] = v;
    }
    node.metadata.labels = labels;
  }
  if (changes.unschedulable !== undefined) {
    const { unschedulable: _u, ...spec } = (node.spec ?? {}) as Record<string, unknown>;
    node.spec = changes.unschedulable ? { ...spec, unschedulable: true } : spec;
  }
  if (changes.ready !== undefined) {
    const current = status.conditions?.find((c) => c.type === 'Ready');
    if (current?.status !== (changes.ready ? 'True' : 'False')) {
      status.conditions = [
        ...(status.conditions ?? []).filter((c) => c.type !== 'Ready'),
        readyCondition(changes.ready, nowTimestamp()),
      ];
    }
  }
  if (changes.internalIP !== undefined || changes.externalIP !== undefined) {
    const find = (t: string) => status.addresses?.find((a) => a.type === t)?.address;
    const internal = changes.internalIP === undefined ? find('InternalIP') : (changes.internalIP ?? undefined);
    const external = changes.externalIP === undefined ? find('ExternalIP') : (changes.externalIP ?? undefined);
    status.addresses = addresses(name, internal, external);
  }
  node.status = status;
  // The kubelet writes status through the status subresource, users write labels through the object.
  const updated = api.replace(type, undefined, name, {
    ...node,
    metadata: { ...node.metadata, resourceVersion: undefined },
  });
  return api.replace(type, undefined, name, { ...updated, status: node.status }, { subresource: 'status' });
}

function readyCondition(ready: boolean, at: string) {
  return {
    type: 'Ready',
    status: ready ? 'True' : 'False',
    reason: ready ? 'KubeletReady' : 'KubeletNotReady',
    message: ready ? 'kubelet is posting ready status' : 'container runtime network not ready',
    lastHeartbeatTime: at,
    lastTransitionTime: at,
  };
}

function addresses(name: string, internalIP?: string, externalIP?: string) {
  return [
    ...(internalIP ? [{ type: 'InternalIP', address: internalIP }] : []),
    ...(externalIP ? [{ type: 'ExternalIP', address: externalIP }] : []),
    { type: 'Hostname', address: name },
  ];
}
