// The objects of a cluster's build namespace, as pure functions of the options, so they can be
// checked against the Kubernetes schemas without a cluster. They are wire-format manifests (what
// `kubectl apply` takes); toClientModel() turns one into client-node's model for its typed APIs.
import { isIPv4, isIPv6 } from 'node:net';

import { kubeClient } from './kube-client';

/** A Kubernetes object in its JSON wire format. */
export interface KubeManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * client-node's models rename a few fields (LimitRangeItem `default` is `_default`) and its typed
 * APIs serialize only the model's fields, so a manifest goes through client-node's deserializer.
 */
export function toClientModel<T>(manifest: KubeManifest): T {
  return kubeClient().loadYaml<T>(JSON.stringify(manifest));
}

export interface ResourceAmounts {
  cpu: string;
  memory: string;
  ephemeralStorage: string;
}

export interface BuildNamespaceQuota {
  pods: number;
  requestsCpu: string;
  requestsMemory: string;
  limitsCpu: string;
  limitsMemory: string;
  requestsEphemeralStorage: string;
  limitsEphemeralStorage: string;
}

export interface BuildContainerLimits {
  /** Limits of a container that sets none. */
  default: ResourceAmounts;
  /** Requests of a container that sets none. */
  defaultRequest: ResourceAmounts;
  max: ResourceAmounts;
}

export interface BuildNamespaceOptions {
  namespace: string;
  /** Default `stagecraft-build`. */
  serviceAccountName?: string;
  /** Extra namespace labels (for example Pod Security admission labels). */
  labels?: Record<string, string>;
  quota?: Partial<BuildNamespaceQuota>;
  containerLimits?: { [K in keyof BuildContainerLimits]?: Partial<ResourceAmounts> };
  /** Egress destinations denied to build pods; default the cloud metadata addresses. */
  blockedEgressCidrs?: string[];
  /**
   * The cluster's internal networks (pods, services, nodes), also denied to build pods; default
   * CLUSTER_NETWORK_CIDRS, the private and shared ranges. Set it for clusters whose networks differ.
   */
  clusterNetworkCidrs?: string[];
  /** Destinations build pods may still reach inside those networks (the registry), as their own rule. */
  allowedEgress?: EgressAllowRule[];
}

/** One destination build pods may reach: a CIDR and TCP ports (every port and protocol if none). */
export interface EgressAllowRule {
  cidr: string;
  ports?: number[];
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'stagecraft';
export const BUILD_SERVICE_ACCOUNT = 'stagecraft-build';
export const BUILD_NETWORK_POLICY = 'stagecraft-build-egress';
export const BUILD_RESOURCE_QUOTA = 'stagecraft-build-quota';
export const BUILD_LIMIT_RANGE = 'stagecraft-build-limits';
/** The instance metadata service: 169.254.169.254 on every major cloud, fd00:ec2::254 on AWS over IPv6. */
export const METADATA_CIDRS = ['169.254.169.254/32', 'fd00:ec2::254/128'];
/**
 * Where a cluster's pod, service and node networks live: the RFC 1918 private ranges, the shared
 * (CGNAT) range some CNIs use, link-local (which covers IPv4 metadata), IPv6 unique-local (which
 * covers fd00:ec2::254) and IPv6 link-local.
 */
export const CLUSTER_NETWORK_CIDRS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
];

export const DEFAULT_BUILD_QUOTA: BuildNamespaceQuota = {
  pods: 20,
  requestsCpu: '8',
  requestsMemory: '16Gi',
  limitsCpu: '16',
  limitsMemory: '32Gi',
  requestsEphemeralStorage: '50Gi',
  limitsEphemeralStorage: '100Gi',
};

export const DEFAULT_BUILD_CONTAINER_LIMITS: BuildContainerLimits = {
  default: { cpu: '2', memory: '4Gi', ephemeralStorage: '10Gi' },
  defaultRequest: { cpu: '500m', memory: '1Gi', ephemeralStorage: '1Gi' },
  max: { cpu: '4', memory: '8Gi', ephemeralStorage: '20Gi' },
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The value of a Kubernetes quantity ("500m" → 0.5, "1Gi" → 1073741824); throws on anything else. */
export function parseQuantity(quantity: string): number {
  const m = QUANTITY.exec(quantity);
  if (!m) throw new TypeError(`"${quantity}" is not a Kubernetes quantity`);
  const suffix = m[2] ?? '';
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : (SUFFIX[suffix] ?? 1);
  return Number(m[1]) * factor;
}

function checkName(value: string, what: string): string {
  if (!DNS_LABEL.test(value) || value.length > 63) throw new TypeError(`${what} "${value}" is not a valid RFC 1123 label`);
  return value;
}

function checkCidr(cidr: string): 4 | 6 {
  const [ip, prefix, ...rest] = cidr.split('/');
  const bits = Number(prefix);
  const family = isIPv4(ip) ? 4 : isIPv6(ip) ? 6 : undefined;
  if (!family || rest.length || !/^\d+$/.test(prefix ?? '') || bits > (family === 4 ? 32 : 128)) {
    throw new TypeError(`"${cidr}" is not a CIDR`);
  }
  return family;
}

const MANAGED_LABELS = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, 'app.kubernetes.io/component': 'build' };

function metadata(options: BuildNamespaceOptions, name: string) {
  return { name, namespace: checkName(options.namespace, 'namespace'), labels: { ...MANAGED_LABELS } };
}

function amounts(a: ResourceAmounts): Record<string, string> {
  for (const q of [a.cpu, a.memory, a.ephemeralStorage]) parseQuantity(q);
  return { cpu: a.cpu, memory: a.memory, 'ephemeral-storage': a.ephemeralStorage };
}

export function buildNamespaceManifest(options: BuildNamespaceOptions): KubeManifest {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: checkName(options.namespace, 'namespace'), labels: { ...options.labels, ...MANAGED_LABELS } },
  };
}

export function buildServiceAccountManifest(options: BuildNamespaceOptions): KubeManifest {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: metadata(options, checkName(options.serviceAccountName ?? BUILD_SERVICE_ACCOUNT, 'service account name')),
    // Build pods get no API credentials at all.
    automountServiceAccountToken: false,
  };
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError(`"${port}" is not a TCP port`);
  return port;
}

/**
 * Parses `cidr` or `cidr:port` entries separated by commas ("10.96.5.5/32:5000,fd00::5/128:5000").
 * The port follows the prefix length, so IPv6 colons are no ambiguity. Entries with the same CIDR
 * merge: their ports add up, and an entry without a port opens every port. Throws a TypeError.
 */
export function parseEgressAllowList(value: string): EgressAllowRule[] {
  const rules = new Map<string, Set<number> | 'all'>();
  for (const entry of value.split(',').map((e) => e.trim())) {
    if (!entry) continue;
    const m = /^([^/]+\/\d+)(?::(\d+))?$/.exec(entry);
    if (!m) throw new TypeError(`"${entry}" is not cidr or cidr:port`);
    checkCidr(m[1]);
    const known = rules.get(m[1]);
    if (m[2] === undefined) rules.set(m[1], 'all');
    else if (known !== 'all') rules.set(m[1], new Set([...(known ?? []), checkPort(Number(m[2]))]));
  }
  return [...rules].map(([cidr, ports]) => (ports === 'all' ? { cidr } : { cidr, ports: [...ports] }));
}

/** CIDRs separated by commas; throws a TypeError on one that is not a CIDR. */
export function parseCidrList(value: string): string[] {
  const cidrs = value
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  for (const c of cidrs) checkCidr(c);
  return cidrs;
}

/**
 * Selects every pod of the namespace and allows egress anywhere except the cluster's internal
 * networks (pods, services, nodes, the Kubernetes API, link-local metadata) and the blocked CIDRs
 * (the cloud metadata service by default); then to each `allowedEgress` destination (the registry
 * inside the cluster), and DNS to in-cluster resolvers, which some network plugins do not match
 * with an ipBlock. Every `except` lies inside its block's cidr (0.0.0.0/0 or ::/0), as the API
 * requires.
 */
export function buildNetworkPolicyManifest(options: BuildNamespaceOptions): KubeManifest {
  const blocked = [
    ...new Set([...(options.clusterNetworkCidrs ?? CLUSTER_NETWORK_CIDRS), ...(options.blockedEgressCidrs ?? METADATA_CIDRS)]),
  ];
  const v4 = blocked.filter((c) => checkCidr(c) === 4);
  const v6 = blocked.filter((c) => checkCidr(c) === 6);
  const allowed = (options.allowedEgress ?? []).map(({ cidr, ports }) => {
    checkCidr(cidr);
    return {
      to: [{ ipBlock: { cidr } }],
      ...(ports?.length ? { ports: [...new Set(ports.map(checkPort))].map((port) => ({ protocol: 'TCP', port })) } : {}),
    };
  });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(options, BUILD_NETWORK_POLICY),
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            { ipBlock: { cidr: '0.0.0.0/0', ...(v4.length ? { except: v4 } : {}) } },
            { ipBlock: { cidr: '::/0', ...(v6.length ? { except: v6 } : {}) } },
          ],
        },
        ...allowed,
        {
          to: [{ namespaceSelector: {} }],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    },
  };
}

export function buildResourceQuotaManifest(options: BuildNamespaceOptions): KubeManifest {
  const q = { ...DEFAULT_BUILD_QUOTA, ...options.quota };
  if (!Number.isInteger(q.pods) || q.pods < 0) throw new TypeError(`quota.pods must be a non-negative integer`);
  const hard: Record<string, string> = {
    pods: String(q.pods),
    'requests.cpu': q.requestsCpu,
    'requests.memory': q.requestsMemory,
    'limits.cpu': q.limitsCpu,
    'limits.memory': q.limitsMemory,
    'requests.ephemeral-storage': q.requestsEphemeralStorage,
    'limits.ephemeral-storage': q.limitsEphemeralStorage,
  };
  for (const value of Object.values(hard)) parseQuantity(value);
  return { apiVersion: 'v1', kind: 'ResourceQuota', metadata: metadata(options, BUILD_RESOURCE_QUOTA), spec: { hard } };
}

/**
 * Gives every container default requests and limits: with the quota above, a pod that set none
 * would otherwise be rejected. The API server requires defaultRequest <= default <= max.
 */
export function buildLimitRangeManifest(options: BuildNamespaceOptions): KubeManifest {
  const given = options.containerLimits ?? {};
  const l: BuildContainerLimits = {
    default: { ...DEFAULT_BUILD_CONTAINER_LIMITS.default, ...given.default },
    defaultRequest: { ...DEFAULT_BUILD_CONTAINER_LIMITS.defaultRequest, ...given.defaultRequest },
    max: { ...DEFAULT_BUILD_CONTAINER_LIMITS.max, ...given.max },
  };
  for (const key of ['cpu', 'memory', 'ephemeralStorage'] as const) {
    const [request, limit, max] = [l.defaultRequest[key], l.default[key], l.max[key]].map(parseQuantity);
    if (request > limit || limit > max) {
      throw new TypeError(
        `containerLimits.${key}: defaultRequest (${l.defaultRequest[key]}) <= default (${l.default[key]}) <= max (${l.max[key]}) does not hold`,
      );
    }
  }
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: metadata(options, BUILD_LIMIT_RANGE),
    spec: {
      limits: [
        { type: 'Container', default: amounts(l.default), defaultRequest: amounts(l.defaultRequest), max: amounts(l.max) },
      ],
    },
  };
}

export interface BuildNamespaceManifests {
  namespace: KubeManifest;
  serviceAccount: KubeManifest;
  networkPolicy: KubeManifest;
  resourceQuota: KubeManifest;
  limitRange: KubeManifest;
}

/** All five objects; throws a TypeError naming the bad option when an option is invalid. */
export function buildNamespaceManifests(options: BuildNamespaceOptions): BuildNamespaceManifests {
  return {
    namespace: buildNamespaceManifest(options),
    serviceAccount: buildServiceAccountManifest(options),
    networkPolicy: buildNetworkPolicyManifest(options),
    resourceQuota: buildResourceQuotaManifest(options),
    limitRange: buildLimitRangeManifest(options),
  };
}
