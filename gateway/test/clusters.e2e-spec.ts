import { FakeKubeApiServer } from '@stagecraft/kube/testing';
import { eventually } from '@stagecraft/testing';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { LimitRange, Namespace, ResourceQuota, ServiceAccount } from 'kubernetes-models/v1';
import { Client } from 'pg';

import { errorWithMessageOf, type Platform, startPlatform } from './platform-harness';

const CLUSTER_FIELDS =
  'id name type status statusReason server buildNamespace nodes { name ready internalIP externalIP labels { key value } } enterpriseProject { name }';
const REGISTER = `mutation($n: String!, $t: ClusterType!, $k: String, $e: ID) { registerCluster(name: $n, type: $t, kubeconfig: $k, enterpriseProjectId: $e) { ${CLUSTER_FIELDS} } }`;
const GET = `query($id: ID!) { cluster(id: $id) { ${CLUSTER_FIELDS} } }`;
const BUILD_NODES = `query($c: ID!, $l: [LabelInput!]) { buildNodes(clusterId: $c, labels: $l) { matching { name } eligible { name } } }`;

interface ClusterView {
  id: string;
  status: string;
  statusReason: string | null;
  server: string | null;
  buildNamespace: string | null;
  nodes: { name: string; ready: boolean; externalIP: string | null; labels: { key: string; value: string }[] }[];
}

describe('clusters through GraphQL (real Postgres and NATS, fake Kubernetes API over HTTPS)', () => {
  const TOKEN = 'kube-token-that-must-never-leak-7f3a';
  let platform: Platform;
  let kube: FakeKubeApiServer;
  let admin: string;

  beforeAll(async () => {
    kube = await FakeKubeApiServer.start({ token: TOKEN });
    kube.seedNode({
      name: 'node-a',
      labels: { role: 'build', zone: 'az1' },
      ready: true,
      internalIP: '10.0.0.1',
      externalIP: '203.0.113.10',
    });
    kube.seedNode({ name: 'node-b', labels: { role: 'build' }, ready: true, internalIP: '10.0.0.2' });
    kube.seedNode({
      name: 'node-c',
      labels: { role: 'build' },
      ready: false,
      internalIP: '10.0.0.3',
      externalIP: '203.0.113.12',
    });
    platform = await startPlatform();
    admin = await platform.adminToken();
  });
  afterAll(async () => {
    await platform.close();
    await kube.close();
  });

  const get = async (id: string) => (await platform.gql<{ cluster: ClusterView }>(GET, { id }, admin)).data!.cluster;

  it('registers a LOCAL cluster: this machine, one ready build node', async () => {
    const local = await platform.gql<{ registerCluster: ClusterView }>(REGISTER, { n: 'local', t: 'LOCAL' }, admin);
    expect(local.errors).toBeUndefined();
    expect(local.data!.registerCluster).toMatchObject({
      status: 'AVAILABLE',
      nodes: [{ name: 'local-builder', ready: true, labels: [{ key: 'stagecraft.io/build-node', value: 'true' }] }],
    });
    const nodes = await platform.gql(
      BUILD_NODES,
      { c: local.data!.registerCluster.id, l: [{ key: 'stagecraft.io/build-node', value: 'true' }] },
      admin,
    );
    expect(nodes.data).toEqual({ buildNodes: { matching: [{ name: 'local-builder' }], eligible: [{ name: 'local-builder' }] } });
  });

  it('checks the kubeconfig and names the field, without echoing it', async () => {
    expect(errorWithMessageOf(await platform.gql(REGISTER, { n: 'lk', t: 'LOCAL', k: kube.kubeconfig() }, admin))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'kubeconfig',
    });
    expect(errorWithMessageOf(await platform.gql(REGISTER, { n: 'nk', t: 'KUBERNETES' }, admin))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'kubeconfig',
    });
    const garbage = errorWithMessageOf(
      await platform.gql(REGISTER, { n: 'gk', t: 'CCE_TURBO', k: `token: ${TOKEN}\n::: not yaml [` }, admin),
    );
    expect(garbage).toMatchObject({ code: 'BAD_USER_INPUT', field: 'kubeconfig' });
    expect(garbage.message).not.toContain(TOKEN);
    const noContext = errorWithMessageOf(
      await platform.gql(
        REGISTER,
        { n: 'nc', t: 'KUBERNETES', k: 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n' },
        admin,
      ),
    );
    expect(noContext).toMatchObject({ code: 'BAD_USER_INPUT', field: 'kubeconfig' });
    expect(errorWithMessageOf(await platform.gql(REGISTER, { n: 'bad name', t: 'LOCAL' }, admin))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'name',
    });
  });

  let clusterId: string;

  it('connects a Kubernetes cluster: status, nodes with their EIPs, and the build namespace', async () => {
    const registered = await platform.gql<{ registerCluster: ClusterView }>(
      REGISTER,
      { n: 'prod', t: 'CCE_TURBO', k: kube.kubeconfig() },
      admin,
    );
    expect(registered.errors).toBeUndefined();
    const cluster = registered.data!.registerCluster;
    clusterId = cluster.id;
    expect(cluster).toMatchObject({
      status: 'AVAILABLE',
      statusReason: null,
      server: kube.url,
      buildNamespace: 'stagecraft-builds',
    });
    expect(cluster.nodes.map((n) => [n.name, n.ready, n.externalIP])).toEqual([
      ['node-a', true, '203.0.113.10'],
      ['node-b', true, null],
      ['node-c', false, '203.0.113.12'],
    ]);
    const selection = await platform.gql(BUILD_NODES, { c: cluster.id, l: [{ key: 'role', value: 'build' }] }, admin);
    expect(selection.data).toEqual({
      buildNodes: { matching: [{ name: 'node-a' }, { name: 'node-b' }], eligible: [{ name: 'node-a' }] },
    });

    const [namespace] = kube.objects('namespaces').filter((n) => n.metadata?.name === 'stagecraft-builds');
    expect(namespace).toBeDefined();
    new Namespace(namespace as never).validate();
    const [policy] = kube.objects('networkpolicies', 'stagecraft-builds');
    new NetworkPolicy(policy as never).validate();
    expect(JSON.stringify(policy)).toContain('169.254.169.254/32');
    // The clusters service's default BUILD_EGRESS_BLOCKED_CIDRS: build pods stay off the cluster networks.
    expect(
      (policy as unknown as { spec: { egress: { to?: { ipBlock?: { except?: string[] } }[] }[] } }).spec.egress[0].to?.[0].ipBlock
        ?.except,
    ).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']));
    const [account] = kube.objects('serviceaccounts', 'stagecraft-builds');
    new ServiceAccount(account as never).validate();
    expect((account as { automountServiceAccountToken?: boolean }).automountServiceAccountToken).toBe(false);
    new ResourceQuota(kube.objects('resourcequotas', 'stagecraft-builds')[0] as never).validate();
    new LimitRange(kube.objects('limitranges', 'stagecraft-builds')[0] as never).validate();
  });

  it('keeps the kubeconfig encrypted and out of every answer', async () => {
    const db = new Client({ connectionString: platform.databaseUrl });
    await db.connect();
    const { rows } = await db.query('SELECT * FROM clusters.clusters');
    await db.end();
    expect(rows.some((row) => row.kubeconfig_sealed)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(TOKEN);
    const everything = await platform.gql(`{ clusters(first: 50) { edges { node { ${CLUSTER_FIELDS} } } } }`, {}, admin);
    expect(JSON.stringify(everything)).not.toContain(TOKEN);
  });

  it('follows node changes through the watch, also across broken watches and 410 Gone', async () => {
    kube.updateNode('node-b', { externalIP: '203.0.113.11' });
    let cluster = await eventually(
      () => get(clusterId),
      (c) => c.nodes.find((n) => n.name === 'node-b')?.externalIP === '203.0.113.11',
    );
    expect(cluster.nodes.find((n) => n.name === 'node-b')?.externalIP).toBe('203.0.113.11');

    kube.breakWatches();
    kube.seedNode({ name: 'node-d', labels: { role: 'build' }, ready: true, externalIP: '203.0.113.13' });
    cluster = await eventually(
      () => get(clusterId),
      (c) => c.nodes.some((n) => n.name === 'node-d'),
    );
    expect(cluster.nodes.map((n) => n.name)).toContain('node-d');

    kube.compactHistory();
    kube.breakWatches();
    kube.removeNode('node-c');
    cluster = await eventually(
      () => get(clusterId),
      (c) => !c.nodes.some((n) => n.name === 'node-c'),
    );
    expect(cluster.nodes.map((n) => n.name)).toEqual(['node-a', 'node-b', 'node-d']);
  });

  it('re-lists on refreshCluster', async () => {
    const refreshed = await platform.gql<{ refreshCluster: ClusterView }>(
      `mutation($id: ID!) { refreshCluster(id: $id) { status nodes { name } } }`,
      { id: clusterId },
      admin,
    );
    expect(refreshed.data!.refreshCluster).toEqual({
      status: 'AVAILABLE',
      nodes: [{ name: 'node-a' }, { name: 'node-b' }, { name: 'node-d' }],
    });
  });

  it('marks a cluster it cannot reach UNAVAILABLE with the reason, never the credentials', async () => {
    const wrong = await platform.gql<{ registerCluster: ClusterView }>(
      REGISTER,
      { n: 'wrong-token', t: 'KUBERNETES', k: kube.kubeconfigWithWrongToken() },
      admin,
    );
    expect(wrong.data!.registerCluster.status).toBe('UNAVAILABLE');
    expect(wrong.data!.registerCluster.statusReason).toMatch(/401|Unauthorized/i);
    const untrusted = await platform.gql<{ registerCluster: ClusterView }>(
      REGISTER,
      { n: 'wrong-ca', t: 'KUBERNETES', k: kube.kubeconfigWithWrongCa() },
      admin,
    );
    expect(untrusted.data!.registerCluster.status).toBe('UNAVAILABLE');
    expect(JSON.stringify([wrong, untrusted])).not.toContain(TOKEN);
  });

  it('never logs the credentials', () => {
    expect(platform.logs.length).toBeGreaterThan(0);
    expect(platform.logs.join('\n')).not.toContain(TOKEN);
  });

  it('makes names unique and scopes clusters to enterprise projects', async () => {
    expect(errorWithMessageOf(await platform.gql(REGISTER, { n: 'PROD', t: 'LOCAL' }, admin))).toMatchObject({
      code: 'CONFLICT',
      field: 'name',
    });
    const team = await platform.createProject(admin, 'team');
    const teamCluster = await platform.gql<{ registerCluster: ClusterView }>(
      REGISTER,
      { n: 'team-local', t: 'LOCAL', e: team },
      admin,
    );
    const member = await platform.userWith(
      admin,
      'team-member',
      ['servicestage:cluster:get', 'servicestage:cluster:list'],
      [team],
    );
    const listed = await platform.gql<{ clusters: { edges: { node: { name: string } }[] } }>(
      `{ clusters { edges { node { name } } } }`,
      {},
      member.token,
    );
    expect(listed.data!.clusters.edges.map((e) => e.node.name)).toEqual(['team-local']);
    expect(errorWithMessageOf(await platform.gql(GET, { id: clusterId }, member.token)).code).toBe('NOT_FOUND');
    expect(
      errorWithMessageOf(
        await platform.gql(
          `mutation($id: ID!) { deleteCluster(id: $id) }`,
          { id: teamCluster.data!.registerCluster.id },
          member.token,
        ),
      ).code,
    ).toBe('FORBIDDEN');
    expect(errorWithMessageOf(await platform.gql(REGISTER, { n: 'not-mine', t: 'LOCAL', e: team }, member.token)).code).toBe(
      'FORBIDDEN',
    );
  });

  it('lets only administrators register a LOCAL cluster, even a user allowed every cluster action in the project', async () => {
    const team = await platform.createProject(admin, 'local-rule');
    const operator = await platform.userWith(admin, 'cluster-operator', ['servicestage:cluster:*'], [team]);
    const refused = errorWithMessageOf(await platform.gql(REGISTER, { n: 'sneaky-local', t: 'LOCAL', e: team }, operator.token));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toContain('only an administrator may register a LOCAL cluster');
    // The same user may register a Kubernetes cluster there: the rule is about LOCAL only.
    const kubernetes = await platform.gql<{ registerCluster: ClusterView }>(
      REGISTER,
      { n: 'operator-k8s', t: 'KUBERNETES', k: kube.kubeconfig(), e: team },
      operator.token,
    );
    expect(kubernetes.errors).toBeUndefined();
    expect(kubernetes.data!.registerCluster.status).toBe('AVAILABLE');
    const administered = await platform.gql<{ registerCluster: ClusterView }>(
      REGISTER,
      { n: 'team-local-2', t: 'LOCAL', e: team },
      admin,
    );
    expect(administered.errors).toBeUndefined();
  });

  it('deletes a cluster and stops watching it', async () => {
    const watchesBefore = kube.openWatchCount;
    expect((await platform.gql(`mutation($id: ID!) { deleteCluster(id: $id) }`, { id: clusterId }, admin)).data).toEqual({
      deleteCluster: clusterId,
    });
    expect(errorWithMessageOf(await platform.gql(GET, { id: clusterId }, admin)).code).toBe('NOT_FOUND');
    await eventually(
      async () => kube.openWatchCount,
      (count) => count < watchesBefore,
    );
    expect(kube.openWatchCount).toBeLessThan(watchesBefore);
  });
});
