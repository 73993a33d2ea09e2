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
  KubeManifest,
  parseQuantity,
  toClientModel,
} from './build-namespace.manifests';

const options = { namespace: 'stagecraft-builds' };

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

  it('the network policy selects every pod and allows egress except the metadata service', () => {
    const np = buildNetworkPolicyManifest(options);
    expect(np.metadata.name).toBe(BUILD_NETWORK_POLICY);
    expect(np.spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            { ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } },
            { ipBlock: { cidr: '::/0', except: ['fd00:ec2::254/128'] } },
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

  it('an IPv6 family without blocked addresses gets no empty except list', () => {
    const np = buildNetworkPolicyManifest({ ...options, blockedEgressCidrs: ['169.254.169.254/32'] });
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
  ])('refuses %s', (_name, opts, message) => {
    expect(() => buildNamespaceManifests(opts as never)).toThrow(message);
  });

  it('toClientModel renames LimitRange "default" to client-node\'s "_default"', () => {
    const model = toClientModel<V1LimitRange>(buildLimitRangeManifest(options));
    expect(model.spec?.limits[0]._default).toEqual({ cpu: '2', memory: '4Gi', 'ephemeral-storage': '10Gi' });
    expect(model.metadata?.name).toBe('stagecraft-build-limits');
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
