import { CoreV1Api } from '@kubernetes/client-node';

import { buildNamespaceManifests, ensureBuildNamespace, KubeRequestError } from '../src';
import { FakeKubeApiServer, Status } from '../src/testing';

describe('ensureBuildNamespace against the fake API server', () => {
  let fake: FakeKubeApiServer;

  beforeAll(async () => {
    fake = await FakeKubeApiServer.start();
  });
  afterAll(() => fake.close());

  const ALL = [
    'Namespace/builds',
    'ServiceAccount/stagecraft-build',
    'NetworkPolicy/stagecraft-build-egress',
    'ResourceQuota/stagecraft-build-quota',
    'LimitRange/stagecraft-build-limits',
  ];

  it('creates the namespace and its four objects, as the builders describe them on the wire', async () => {
    const result = await ensureBuildNamespace(fake.kubeConfig(), { namespace: 'builds', quota: { pods: 4 } });
    expect(result).toEqual({ namespace: 'builds', created: ALL, existing: [] });

    const expected = buildNamespaceManifests({ namespace: 'builds', quota: { pods: 4 } });
    const stored = (resource: string) => fake.objects(resource, 'builds')[0];
    expect(fake.object('namespaces', undefined, 'builds')?.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'stagecraft',
    });
    expect(stored('serviceaccounts')).toMatchObject({
      metadata: expected.serviceAccount.metadata,
      automountServiceAccountToken: false,
    });
    expect(stored('networkpolicies').spec).toEqual(expected.networkPolicy.spec);
    expect(stored('resourcequotas').spec).toEqual(expected.resourceQuota.spec);
    // client-node's model calls it `_default`; the API server must receive `default`.
    expect(stored('limitranges').spec).toEqual(expected.limitRange.spec);
  });

  it('is idempotent and leaves existing objects alone', async () => {
    fake.patchObject('resourcequotas', 'builds', 'stagecraft-build-quota', { spec: { hard: { pods: '99' } } });
    const result = await ensureBuildNamespace(fake.kubeConfig(), { namespace: 'builds' });
    expect(result).toEqual({ namespace: 'builds', created: [], existing: ALL });
    expect((fake.objects('resourcequotas', 'builds')[0].spec as { hard: { pods: string } }).hard.pods).toBe('99');
  });

  it('completes a namespace that exists without its objects', async () => {
    await fake
      .kubeConfig()
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: 'half' } } });
    const result = await ensureBuildNamespace(fake.kubeConfig(), { namespace: 'half' });
    expect(result.existing).toEqual(['Namespace/half']);
    expect(result.created).toHaveLength(4);
  });

  it('fails with a readable error naming the object, without credentials', async () => {
    const remove = fake.addReactor({ verb: 'create', resource: 'networkpolicies.networking.k8s.io' }, () =>
      Status.forbidden(
        { group: 'networking.k8s.io', resource: 'networkpolicies' },
        'stagecraft-build-egress',
        'User "stagecraft" cannot create resource "networkpolicies"',
      ),
    );
    try {
      const error = await ensureBuildNamespace(fake.kubeConfig(), { namespace: 'denied' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubeRequestError);
      expect((error as KubeRequestError).message).toBe(
        'creating NetworkPolicy/stagecraft-build-egress in namespace denied failed: 403 Forbidden: networkpolicies.networking.k8s.io "stagecraft-build-egress" is forbidden: User "stagecraft" cannot create resource "networkpolicies"',
      );
      expect((error as KubeRequestError).status).toBe(403);
      expect(JSON.stringify(error) + String(error)).not.toContain(fake.token);
    } finally {
      remove();
    }
  });

  it('refuses invalid options before calling the cluster', async () => {
    fake.clearRequests();
    await expect(ensureBuildNamespace(fake.kubeConfig(), { namespace: 'Not_Valid' })).rejects.toThrow(TypeError);
    expect(fake.requests).toEqual([]);
  });

  it('a wrong token is a 401 error', async () => {
    const parsed = fake.kubeConfig({ token: 'wrong' });
    await expect(ensureBuildNamespace(parsed, { namespace: 'x' })).rejects.toThrow(
      'creating Namespace/x in namespace x failed: 401 Unauthorized',
    );
  });
});
