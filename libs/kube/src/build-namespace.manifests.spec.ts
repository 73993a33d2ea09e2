import { BlockList, isIPv4 } from 'node:net';

import type { V1LimitRange } from '@kubernetes/client-node';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { LimitRange, Namespace, ResourceQuota, ServiceAccount } from 'kubernetes-models/v1';

import {
  BUILD_NETWORK_POLICY,
  buildLimitRangeManifest,
  buildNamespaceManifest,
  buildNamespaceManifests,
  buildNetworkPolicyManifest,
  buildResourceQuotaManifest,
  buildServiceAccountManifest,
  CLUSTER_NETWORK_CIDRS,
  KubeManifest,
  parseCidrList,
  parseEgressAllowList,
  parseQuantity,
  toClientModel,
} from './build-namespace.manifests';

const options = { namespace: 'stagecraft-builds' };

interface PolicyPeer {
  ipBlock?: { cidr: string; except?: string[] };
  namespaceSelector?: Record<string, unknown>;
  podSelector?: Record<string, unknown>;
}
interface PolicyRule {
  to?: PolicyPeer[];
  ports?: { protocol?: string; port?: number }[];
}
/** Where a build pod tries to connect; `pod` when the address is a pod of the cluster (kube-dns). */
interface Destination {
  ip: string;
  port: number;
  protocol?: 'TCP' | 'UDP';
  pod?: boolean;
}

function inCidr(ip: string, cidr: string): boolean {
  const [network, prefix] = cidr.split('/');
  const family = isIPv4(network) ? 'ipv4' : 'ipv6';
  if ((isIPv4(ip) ? 'ipv4' : 'ipv6') !== family) return false;
  const list = new BlockList();
  list.addSubnet(network, Number(prefix), family);
  return list.check(ip, family);
}

/**
 * A minimal NetworkPolicy egress evaluator (for a policy that selects the pod and has Egress in
 * policyTypes): a connection is allowed when some rule matches both a peer and a port. An ipBlock
 * matches inside its cidr but outside every except; a namespaceSelector {} matches pods of any
 * namespace only; a rule without `to` or `ports` matches every destination or port.
 */
function egressAllowed(policy: KubeManifest, dest: Destination): boolean {
  const protocol = dest.protocol ?? 'TCP';
  const rules = (policy.spec as { egress?: PolicyRule[] }).egress ?? [];
  return rules.some((rule) => {
    const peerOk =
      rule.to === undefined ||
      rule.to.some((peer) => {
        if (peer.ipBlock) {
          return inCidr(dest.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(dest.ip, c));
        }
        // namespaceSelector {} (with or without podSelector) selects pods, never outside addresses.
        return Boolean(dest.pod) && Object.keys(peer.namespaceSelector ?? {}).length === 0;
      });
    const portOk =
      rule.ports === undefined ||
      rule.ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port ?? dest.port) === dest.port);
    return peerOk && portOk;
  });
}

// kubernetes-models checks against the OpenAPI schema of the real API (types, enums, required fields).
const validate = {
  Namespace: (m: KubeManifest) => new Namespace(m as never).validate(),
  ServiceAccount: (m: KubeManifest) => new ServiceAccount(m as never).validate(),
  NetworkPolicy: (m: KubeManifest) => new NetworkPolicy(m as never).validate(),
  ResourceQuota: (m: KubeManifest) => new ResourceQuota(m as never).validate(),
  LimitRange: (m: KubeManifest) => new LimitRange(m as never).validate(),
};

describe('build namespace manifests', () => {
  it.each([
    ['defaults', options],
    [
      'custom values',
      {
        namespace: 'builds-2',
        serviceAccountName: 'builder',
        labels: { 'pod-security.kubernetes.io/enforce': 'baseline' },
        quota: { pods: 5, limitsMemory: '64Gi' },
        containerLimits: { max: { cpu: '8' } },
        blockedEgressCidrs: ['169.254.169.254/32', '100.100.100.200/32'],
      },
    ],
  ])('every object passes the Kubernetes schema (%s)', (_name, opts) => {
    const m = buildNamespaceManifests(opts);
    expect(() => validate.Namespace(m.namespace)).not.toThrow();
    expect(() => validate.ServiceAccount(m.serviceAccount)).not.toThrow();
    expect(() => validate.NetworkPolicy(m.networkPolicy)).not.toThrow();
    expect(() => validate.ResourceQuota(m.resourceQuota)).not.toThrow();
    expect(() => validate.LimitRange(m.limitRange)).not.toThrow();
  });

  it('the schema check itself catches a broken NetworkPolicy', () => {
    const broken = { ...buildNetworkPolicyManifest(options), spec: { podSelector: {}, policyTypes: 'Egress' } };
    expect(() => validate.NetworkPolicy(broken)).toThrow();
  });

  it('labels the namespace as managed by stagecraft, keeping extra labels but not letting them override', () => {
    const ns = buildNamespaceManifest({ ...options, labels: { team: 'a', 'app.kubernetes.io/managed-by': 'someone-else' } });
    expect(ns.metadata).toEqual({
      name: 'stagecraft-builds',
      labels: { team: 'a', 'app.kubernetes.io/managed-by': 'stagecraft', 'app.kubernetes.io/component': 'build' },
    });
  });

  it('gives the service account no token', () => {
    expect(buildServiceAccountManifest(options)).toMatchObject({
      metadata: { name: 'stagecraft-build', namespace: 'stagecraft-builds' },
      automountServiceAccountToken: false,
    });
  });

  it('the network policy selects every pod and allows egress except the cluster networks and the metadata service', () => {
    const np = buildNetworkPolicyManifest(options);
    expect(np.metadata.name).toBe(BUILD_NETWORK_POLICY);
    expect(np.spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              ipBlock: {
                cidr: '0.0.0.0/0',
                except: [
                  '10.0.0.0/8',
                  '172.16.0.0/12',
                  '192.168.0.0/16',
                  '100.64.0.0/10',
                  '169.254.0.0/16',
                  '169.254.169.254/32',
                ],
              },
            },
            { ipBlock: { cidr: '::/0', except: ['fc00::/7', 'fe80::/10', 'fd00:ec2::254/128'] } },
          ],
        },
        {
          to: [{ namespaceSelector: {} }],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    });
  });

  describe('a build pod attacking the cluster network', () => {
    const registry = { cidr: '10.96.5.5/32', ports: [5000] };
    const policy = buildNetworkPolicyManifest({ ...options, allowedEgress: [registry] });

    it('passes the Kubernetes schema', () => {
      expect(() => validate.NetworkPolicy(policy)).not.toThrow();
    });

    it.each<[string, Destination]>([
      ['the Kubernetes API service', { ip: '10.96.0.1', port: 443 }],
      ['another pod', { ip: '10.244.1.7', port: 8080 }],
      ['a kubelet', { ip: '192.168.1.10', port: 10250 }],
      ['a node on the 172.16/12 range', { ip: '172.20.0.4', port: 22 }],
      ['a CGNAT pod network (100.64/10)', { ip: '100.64.3.2', port: 80 }],
      ['the IPv4 metadata service', { ip: '169.254.169.254', port: 80 }],
      ['the IPv6 metadata service', { ip: 'fd00:ec2::254', port: 80 }],
      ['an IPv6 unique-local service', { ip: 'fd12:3456::1', port: 443 }],
      ['an IPv6 link-local address', { ip: 'fe80::1', port: 10250 }],
      ['the registry on a port not allowed', { ip: '10.96.5.5', port: 22 }],
      ['the registry over UDP', { ip: '10.96.5.5', port: 5000, protocol: 'UDP' }],
      ["the registry's neighbour", { ip: '10.96.5.6', port: 5000 }],
    ])('cannot reach %s', (_name, dest) => {
      expect(egressAllowed(policy, dest)).toBe(false);
    });

    it.each<[string, Destination]>([
      ['a public IPv4 address', { ip: '203.0.113.10', port: 443 }],
      ['a public IPv6 address', { ip: '2001:db8::10', port: 443 }],
      ['the registry on its port', { ip: '10.96.5.5', port: 5000 }],
      ['an outside resolver', { ip: '8.8.8.8', port: 53, protocol: 'UDP' }],
    ])('can reach %s', (_name, dest) => {
      expect(egressAllowed(policy, dest)).toBe(true);
    });

    it.each(['10.96.0.10', '10.244.0.5', '172.17.0.3', 'fd00::a'])(
      'can reach DNS on port 53 of in-cluster pod %s, through the namespace rule',
      (ip) => {
        for (const protocol of ['UDP', 'TCP'] as const) {
          expect(egressAllowed(policy, { ip, port: 53, protocol, pod: true })).toBe(true);
          expect(egressAllowed(policy, { ip, port: 5353, protocol, pod: true })).toBe(false);
        }
        const withoutNamespaceRule = {
          ...policy,
          spec: {
            egress: (policy.spec as { egress: PolicyRule[] }).egress.filter((r) => !r.to?.some((p) => p.namespaceSelector)),
          },
        };
        expect(egressAllowed(withoutNamespaceRule, { ip, port: 53, protocol: 'UDP', pod: true })).toBe(false);
      },
    );

    it('a registry given without ports is reachable on every port, and nothing else is', () => {
      const open = buildNetworkPolicyManifest({ ...options, allowedEgress: [{ cidr: '10.96.5.5/32' }] });
      expect(() => validate.NetworkPolicy(open)).not.toThrow();
      expect(egressAllowed(open, { ip: '10.96.5.5', port: 22 })).toBe(true);
      expect(egressAllowed(open, { ip: '10.96.5.5', port: 53, protocol: 'UDP' })).toBe(true);
      expect(egressAllowed(open, { ip: '10.96.0.1', port: 443 })).toBe(false);
    });

    it('other cluster networks can be given, and the metadata service stays blocked', () => {
      const custom = buildNetworkPolicyManifest({ ...options, clusterNetworkCidrs: ['10.0.0.0/8'] });
      expect(() => validate.NetworkPolicy(custom)).not.toThrow();
      expect(egressAllowed(custom, { ip: '10.96.0.1', port: 443 })).toBe(false);
      expect(egressAllowed(custom, { ip: '169.254.169.254', port: 80 })).toBe(false);
      expect(egressAllowed(custom, { ip: 'fd00:ec2::254', port: 80 })).toBe(false);
      expect(egressAllowed(custom, { ip: '192.168.1.10', port: 10250 })).toBe(true);
    });

    it('extra blocked CIDRs add to the cluster networks, once each', () => {
      const np = buildNetworkPolicyManifest({ ...options, blockedEgressCidrs: ['10.0.0.0/8', '100.100.100.200/32'] });
      const except = (np.spec as { egress: PolicyRule[] }).egress[0].to![0].ipBlock!.except!;
      expect(except.filter((c) => c === '10.0.0.0/8')).toHaveLength(1);
      expect(egressAllowed(np, { ip: '100.100.100.200', port: 80 })).toBe(false);
      expect(egressAllowed(np, { ip: '172.16.0.1', port: 443 })).toBe(false);
    });

    it('every except lies inside its ipBlock', () => {
      for (const rule of (policy.spec as { egress: PolicyRule[] }).egress) {
        for (const peer of rule.to ?? []) {
          for (const c of peer.ipBlock?.except ?? []) expect(inCidr(c.split('/')[0], peer.ipBlock!.cidr)).toBe(true);
        }
      }
      expect(CLUSTER_NETWORK_CIDRS.length).toBeGreaterThan(0);
    });
  });

  it('an IPv6 family without blocked addresses gets no empty except list', () => {
    const np = buildNetworkPolicyManifest({
      ...options,
      clusterNetworkCidrs: ['10.0.0.0/8'],
      blockedEgressCidrs: ['169.254.169.254/32'],
    });
    expect((np.spec as { egress: { to: unknown[] }[] }).egress[0].to[1]).toEqual({ ipBlock: { cidr: '::/0' } });
  });

  it('the quota takes defaults and overrides', () => {
    expect(buildResourceQuotaManifest({ ...options, quota: { pods: 3, requestsCpu: '2500m' } }).spec).toEqual({
      hard: {
        pods: '3',
        'requests.cpu': '2500m',
        'requests.memory': '16Gi',
        'limits.cpu': '16',
        'limits.memory': '32Gi',
        'requests.ephemeral-storage': '50Gi',
        'limits.ephemeral-storage': '100Gi',
      },
    });
  });

  it('the limit range gives containers defaults within the maximum', () => {
    expect(buildLimitRangeManifest(options).spec).toEqual({
      limits: [
        {
          type: 'Container',
          default: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '10Gi' },
          defaultRequest: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1Gi' },
          max: { cpu: '4', memory: '8Gi', 'ephemeral-storage': '20Gi' },
        },
      ],
    });
  });

  it.each([
    ['a namespace that is not an RFC 1123 label', { namespace: 'Builds_1' }, /namespace "Builds_1"/],
    ['a too long namespace', { namespace: 'a'.repeat(64) }, /namespace/],
    ['a bad service account name', { ...options, serviceAccountName: 'a.b' }, /service account name/],
    ['a bad quantity', { ...options, quota: { requestsMemory: '16 GB' } }, /"16 GB" is not a Kubernetes quantity/],
    ['a negative pod count', { ...options, quota: { pods: -1 } }, /quota.pods/],
    ['a default above the maximum', { ...options, containerLimits: { default: { memory: '16Gi' } } }, /containerLimits.memory/],
    ['a request above the default', { ...options, containerLimits: { defaultRequest: { cpu: '3' } } }, /containerLimits.cpu/],
    ['a CIDR that is not one', { ...options, blockedEgressCidrs: ['169.254.169.254'] }, /not a CIDR/],
    ['an IPv4 prefix over 32', { ...options, blockedEgressCidrs: ['10.0.0.0/33'] }, /not a CIDR/],
    ['a cluster network that is not a CIDR', { ...options, clusterNetworkCidrs: ['10.0.0.0'] }, /not a CIDR/],
    ['an allowed destination that is not a CIDR', { ...options, allowedEgress: [{ cidr: 'registry:5000' }] }, /not a CIDR/],
    ['an allowed port out of range', { ...options, allowedEgress: [{ cidr: '10.96.5.5/32', ports: [70000] }] }, /not a TCP port/],
  ])('refuses %s', (_name, opts, message) => {
    expect(() => buildNamespaceManifests(opts as never)).toThrow(message);
  });

  it('toClientModel renames LimitRange "default" to client-node\'s "_default"', () => {
    const model = toClientModel<V1LimitRange>(buildLimitRangeManifest(options));
    expect(model.spec?.limits[0]._default).toEqual({ cpu: '2', memory: '4Gi', 'ephemeral-storage': '10Gi' });
    expect(model.metadata?.name).toBe('stagecraft-build-limits');
  });
});

describe('parseEgressAllowList', () => {
  it('reads cidr and cidr:port entries, IPv6 included, merging ports of one CIDR', () => {
    expect(parseEgressAllowList(' 10.96.5.5/32:5000, fd00::5/128:5000,10.96.5.5/32:5001,10.1.0.0/16 ,')).toEqual([
      { cidr: '10.96.5.5/32', ports: [5000, 5001] },
      { cidr: 'fd00::5/128', ports: [5000] },
      { cidr: '10.1.0.0/16' },
    ]);
    expect(parseEgressAllowList('10.96.5.5/32:5000,10.96.5.5/32')).toEqual([{ cidr: '10.96.5.5/32' }]);
    expect(parseEgressAllowList('')).toEqual([]);
  });

  it.each(['10.96.5.5', '10.96.5.5:5000', '10.96.5.5/32:0', '10.96.5.5/32:65536', '10.96.5.5/32:http', 'fd00::5:5000'])(
    'refuses %j',
    (value) => {
      expect(() => parseEgressAllowList(value)).toThrow(TypeError);
    },
  );
});

describe('parseCidrList', () => {
  it('reads CIDRs separated by commas and refuses anything else', () => {
    expect(parseCidrList('10.0.0.0/8, fc00::/7')).toEqual(['10.0.0.0/8', 'fc00::/7']);
    expect(() => parseCidrList('10.0.0.0/8,10.0.0.1')).toThrow(/not a CIDR/);
  });
});

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['1.5', 1.5],
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
    ['128Mi', 128 * 2 ** 20],
    ['1e3', 1000],
    ['.5', 0.5],
  ])('%s is %d', (q, value) => {
    expect(parseQuantity(q)).toBeCloseTo(value);
  });

  it.each(['', '-1', '1 Gi', 'Gi', '1gi', '1.2.3'])('refuses %j', (q) => {
    expect(() => parseQuantity(q)).toThrow(TypeError);
  });
});
