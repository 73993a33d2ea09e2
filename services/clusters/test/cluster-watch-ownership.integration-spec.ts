import { Controller, type INestApplicationContext, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { buildAbility, Caller, compilePolicies } from '@stagecraft/authz';
import { loadConfig } from '@stagecraft/config';
import { type ClusterDto, IamSubjects } from '@stagecraft/contracts';
import { FakeKubeApiServer } from '@stagecraft/kube/testing';
import { startService } from '@stagecraft/messaging';
import { SecretBox } from '@stagecraft/secrets';
import { createTestDatabase, eventually, type TestDatabase, testNatsSettings, testSubjectPrefix } from '@stagecraft/testing';
import { Client } from 'pg';

import { ClustersModule } from '../src/clusters.module';
import { ClusterWatchOwnership } from '../src/clusters/cluster-watch-ownership';
import { ClustersService } from '../src/clusters/clusters.service';
import { ClusterNodesRepository } from '../src/clusters/infra/cluster-nodes.repository';
import { CLUSTER_WATCH_LOCK_NAMESPACE } from '../src/clusters/infra/cluster-watch-locks';
import { ClustersConfig } from '../src/config';

const ACCOUNT = '00000000-0000-4000-8000-00000000a001';
const PROJECT = '00000000-0000-4000-8000-00000000e001';
const admin = new Caller('00000000-0000-4000-8000-00000000f001', ACCOUNT, true, buildAbility(compilePolicies([], true)), {});

/** A sweep every 200 ms: "within a sweep" below allows for one, and for connecting the cluster. */
const SWEEP_MS = 200;
const WITHIN_A_SWEEP = { timeoutMs: SWEEP_MS + 3000 };
/** A replica that does not sweep during a test: it neither takes clusters over nor opens a new lock session. */
const NEVER_SWEEPS = 600_000;

/** The clusters `replica` owns once it owns any (or none, when a sweep's time passes without). */
const ownedWithinASweep = (replica: { ownedClusters(): string[] }) =>
  eventually(
    async () => replica.ownedClusters(),
    (owned) => owned.length > 0,
    WITHIN_A_SWEEP,
  );

/** The one thing of iam that registering a cluster asks for: the account's default project. */
@Controller()
class DefaultProjectController {
  @MessagePattern(IamSubjects.getDefaultProject)
  defaultProject() {
    return { id: PROJECT, accountId: ACCOUNT, name: 'default', isDefault: true };
  }
}
@Module({ controllers: [DefaultProjectController] })
class IamStubModule {}

/** One replica of the clusters service: the module as main.ts runs it, without the NATS listener. */
class Replica {
  closed = false;
  private constructor(readonly app: INestApplicationContext) {}

  static async start(config: ClustersConfig): Promise<Replica> {
    const app = await NestFactory.createApplicationContext(ClustersModule.forConfig(config), { logger: false });
    await app.init();
    return new Replica(app);
  }

  get service(): ClustersService {
    return this.app.get(ClustersService);
  }

  ownedClusters(): string[] {
    return this.app.get(ClusterWatchOwnership).ownedClusters();
  }

  /** Counts this replica's writes of a cluster's node list from now on. */
  countNodeWrites(clusterId: string): () => number {
    const replace = jest.spyOn(this.app.get(ClusterNodesRepository), 'replace');
    return () => replace.mock.calls.filter(([id]) => id === clusterId).length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.app.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('one watcher per cluster among clusters replicas (real Postgres and NATS, fake Kubernetes API)', () => {
  const prefix = testSubjectPrefix();
  const secretsKey = SecretBox.generateKey();
  let iam: INestMicroservice;
  let database: TestDatabase;
  let db: Client;
  let kube: FakeKubeApiServer;
  let replicas: Replica[];

  const startReplica = async (sweepMs = SWEEP_MS) => {
    const replica = await Replica.start(
      loadConfig(ClustersConfig, {
        DATABASE_URL: database.url,
        ...testNatsSettings('clusters', prefix),
        // Every replica opens every cluster's kubeconfig: one key for all of them.
        SECRETS_KEY: secretsKey,
        KUBE_CONNECT_TIMEOUT_MS: '3000',
        KUBE_WATCH_BACKOFF_MAX_MS: '1000',
        // The fake Kubernetes API listens on 127.0.0.1 (docs/security.md#egress).
        EGRESS_ALLOWED_CIDRS: '127.0.0.1/32',
        CLUSTER_WATCH_SWEEP_MS: String(sweepMs),
      }),
    );
    replicas.push(replica);
    return replica;
  };
  const register = (through: Replica, name = 'prod') =>
    through.service.register(admin, { name, type: 'KUBERNETES', kubeconfig: kube.kubeconfig() });
  const storedExternalIp = async (clusterId: string, node: string): Promise<string | null | undefined> => {
    const { rows } = await db.query<{ external_ip: string | null }>(
      'SELECT external_ip FROM clusters.cluster_nodes WHERE cluster_id = $1 AND name = $2',
      [clusterId, node],
    );
    return rows[0]?.external_ip;
  };
  /** Changes node-a on the fake cluster and waits until the change is stored. */
  const changeNodeAndAwaitStored = async (clusterId: string, externalIP: string) => {
    kube.updateNode('node-a', { externalIP });
    expect(
      await eventually(
        () => storedExternalIp(clusterId, 'node-a'),
        (ip) => ip === externalIP,
      ),
    ).toBe(externalIP);
  };
  /** openWatchCount reaches `count` and stays there for a few sweeps. */
  const expectOpenWatchesToSettleAt = async (count: number) => {
    expect(
      await eventually(
        async () => kube.openWatchCount,
        (open) => open === count,
      ),
    ).toBe(count);
    await sleep(SWEEP_MS * 3);
    expect(kube.openWatchCount).toBe(count);
  };

  beforeAll(async () => {
    iam = await startService(IamStubModule, { name: 'iam', nats: testNatsSettings('iam', prefix), logger: false });
  });
  afterAll(async () => {
    await iam.close();
  });
  beforeEach(async () => {
    replicas = [];
    database = await createTestDatabase('clusterwatch');
    db = new Client({ connectionString: database.url });
    await db.connect();
    kube = await FakeKubeApiServer.start();
    kube.seedNode({ name: 'node-a', labels: { role: 'build' }, ready: true, internalIP: '10.0.0.1', externalIP: '203.0.113.10' });
    kube.seedNode({ name: 'node-b', labels: { role: 'build' }, ready: true, internalIP: '10.0.0.2' });
  });
  afterEach(async () => {
    for (const replica of replicas) await replica.close();
    await db.end();
    await kube.close();
    await database.drop();
  });

  it('has one replica watch a cluster, also a replica started after it was registered, and store each change once', async () => {
    const first = await startReplica();
    const cluster = await register(first);
    expect(cluster).toMatchObject({ status: 'AVAILABLE', nodes: [{ name: 'node-a' }, { name: 'node-b' }] });

    kube.clearRequests();
    const second = await startReplica();
    await sleep(SWEEP_MS * 5);
    // The second replica's sweeps found the cluster's lock taken: it never even talked to the cluster.
    expect(kube.requests).toEqual([]);
    expect(first.ownedClusters()).toEqual([cluster.id]);
    expect(second.ownedClusters()).toEqual([]);
    expect(kube.openWatchCount).toBe(1);

    const writes = [first.countNodeWrites(cluster.id), second.countNodeWrites(cluster.id)];
    await changeNodeAndAwaitStored(cluster.id, '203.0.113.99');
    await sleep(SWEEP_MS * 3);
    expect(writes.map((count) => count())).toEqual([1, 0]);
  });

  it('hands the cluster to the other replica within a sweep when its owner closes', async () => {
    const owner = await startReplica();
    const other = await startReplica();
    const cluster = await register(owner);
    expect(owner.ownedClusters()).toEqual([cluster.id]);
    await expectOpenWatchesToSettleAt(1);

    await owner.close();
    expect(await ownedWithinASweep(other)).toEqual([cluster.id]);
    await expectOpenWatchesToSettleAt(1);
    await changeNodeAndAwaitStored(cluster.id, '203.0.113.77');
  });

  it('hands the cluster over when its owner loses its lock session without a clean shutdown, and the owner stops watching', async () => {
    // The owner does not sweep again: it would compete for the lock with a new session. A replica
    // that crashed would not either.
    const owner = await startReplica(NEVER_SWEEPS);
    const other = await startReplica();
    const cluster = await register(owner);
    expect(owner.ownedClusters()).toEqual([cluster.id]);
    await expectOpenWatchesToSettleAt(1);
    const ownerWrites = owner.countNodeWrites(cluster.id);

    // What Postgres does to the session of a replica that died or dropped off the network.
    const { rowCount } = await db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks
        WHERE locktype = 'advisory' AND classid = $1::int::oid AND objid = hashtext($2)::oid AND objsubid = 2`,
      [CLUSTER_WATCH_LOCK_NAMESPACE, cluster.id],
    );
    expect(rowCount).toBe(1);

    expect(await ownedWithinASweep(other)).toEqual([cluster.id]);
    expect(owner.ownedClusters()).toEqual([]);
    await expectOpenWatchesToSettleAt(1);
    const otherWrites = other.countNodeWrites(cluster.id);
    await changeNodeAndAwaitStored(cluster.id, '203.0.113.55');
    await sleep(SWEEP_MS * 3);
    expect([ownerWrites(), otherWrites()]).toEqual([0, 1]);
  });

  it('answers a refresh on a replica that does not own the cluster with the nodes just listed, without a second watch', async () => {
    const owner = await startReplica();
    const other = await startReplica();
    const cluster = await register(owner);
    await expectOpenWatchesToSettleAt(1);
    const otherWrites = other.countNodeWrites(cluster.id);
    kube.seedNode({ name: 'node-c', labels: {}, ready: false, internalIP: '10.0.0.3' });

    const refreshed: ClusterDto = await other.service.refresh(admin, cluster.id);
    expect(refreshed).toMatchObject({ status: 'AVAILABLE', statusReason: null });
    expect(refreshed.nodes.map((node) => [node.name, node.ready, node.externalIP])).toEqual([
      ['node-a', true, '203.0.113.10'],
      ['node-b', true, null],
      ['node-c', false, null],
    ]);
    expect(other.ownedClusters()).toEqual([]);
    await expectOpenWatchesToSettleAt(1);
    expect(otherWrites()).toBe(0);
  });
});
