// The kinds the fake serves. Registering another one is a single `registerResource({...})` call.

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
    generateName?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
};

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export interface ResourceDefinition {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural, lower case: the URL segment. */
  resource: string;
  kind: string;
  namespaced: boolean;
  /** `status` subresource: the main resource ignores status changes and `/status` changes only status. */
  statusSubresource?: boolean;
  /** Fields accepted in fieldSelector besides metadata.name and metadata.namespace. */
  selectableFields?: string[];
  /** Names are RFC 1123 labels (namespaces) instead of subdomains. */
  dnsLabelNames?: boolean;
  /** DELETE answers with the deleted object (pods) instead of a Success Status (everything else). */
  deleteReturnsObject?: boolean;
  /** What DELETE does to dependents when no propagationPolicy is given (batch/v1 Jobs orphan them). */
  defaultPropagationPolicy?: PropagationPolicy;
  /** Fills server-side defaults on create, status included (mutates the object). */
  defaults?: (obj: KubeObject) => void;
  shortNames?: string[];
}

export interface ResourceType extends Required<Omit<ResourceDefinition, 'defaults' | 'shortNames'>> {
  id: string;
  apiVersion: string;
  listKind: string;
  defaults?: (obj: KubeObject) => void;
  shortNames: string[];
}

export function resourceType(def: ResourceDefinition): ResourceType {
  return {
    statusSubresource: false,
    dnsLabelNames: false,
    deleteReturnsObject: false,
    defaultPropagationPolicy: 'Background',
    ...def,
    selectableFields: ['metadata.name', 'metadata.namespace', ...(def.selectableFields ?? [])],
    shortNames: def.shortNames ?? [],
    id: `${def.group}/${def.version}/${def.resource}`,
    apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
    listKind: `${def.kind}List`,
  };
}

export const CORE_RESOURCES: ResourceDefinition[] = [
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    statusSubresource: true,
    dnsLabelNames: true,
    selectableFields: ['status.phase'],
    shortNames: ['ns'],
    defaults: (ns) => {
      ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name };
      ns.spec = { finalizers: ['kubernetes'], ...(ns.spec as object) };
      ns.status = { phase: 'Active' };
    },
  },
  {
    group: '',
    version: 'v1',
    resource: 'nodes',
    kind: 'Node',
    namespaced: false,
    statusSubresource: true,
    selectableFields: ['spec.unschedulable'],
    shortNames: ['no'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    namespaced: true,
    statusSubresource: true,
    deleteReturnsObject: true,
    selectableFields: [
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'status.phase',
      'status.podIP',
    ],
    shortNames: ['po'],
    defaults: (pod) => {
      pod.status = { phase: 'Pending', qosClass: 'BestEffort' };
    },
  },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'] },
  {
    group: '',
    version: 'v1',
    resource: 'secrets',
    kind: 'Secret',
    namespaced: true,
    selectableFields: ['type'],
    defaults: (s) => {
      s.type ??= 'Opaque';
    },
  },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
  {
    group: '',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    namespaced: true,
    selectableFields: ['involvedObject.kind', 'involvedObject.name', 'involvedObject.uid', 'reason', 'type'],
    shortNames: ['ev'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'resourcequotas',
    kind: 'ResourceQuota',
    namespaced: true,
    statusSubresource: true,
    shortNames: ['quota'],
  },
  { group: '', version: 'v1', resource: 'limitranges', kind: 'LimitRange', namespaced: true, shortNames: ['limits'] },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'networkpolicies',
    kind: 'NetworkPolicy',
    namespaced: true,
    shortNames: ['netpol'],
  },
  {
    group: 'batch',
    version: 'v1',
    resource: 'jobs',
    kind: 'Job',
    namespaced: true,
    statusSubresource: true,
    selectableFields: ['status.successful'],
    defaultPropagationPolicy: 'Orphan',
    defaults: (job) => {
      const spec = (job.spec ??= {}) as Record<string, unknown>;
      spec.backoffLimit ??= 6;
      spec.completions ??= 1;
      spec.parallelism ??= 1;
      spec.completionMode ??= 'NonIndexed';
      spec.suspend ??= false;
      job.status = {};
    },
  },
];
