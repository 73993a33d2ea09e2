import { buildAbility, Caller, compilePolicies, type PolicyStatement } from '@stagecraft/authz';
import { BuildError, BuildErrorReason, ErrorCode, type PackageJobDto } from '@stagecraft/contracts';

import { BuildsConfig } from '../config';
import { BuildsService } from './builds.service';
import { FakeBuildExecutor, FakeBuildLogs, FakeBuildQueue, FakeRunningBuilds } from './testing/fake-build-execution';
import { FakeClusterConnections } from './testing/fake-cluster-connections';
import { buildNode, FakeBuildTargets, FakePackageDownloads, FakePackageJobs } from './testing/fake-platform-services';
import { InMemoryBuildRecords } from './testing/in-memory-build-records';

const ACCOUNT = 'account-1';
const PROJECT = 'ep-shop';
const CLUSTER = 'cluster-1';

function caller(statements: PolicyStatement[], accountId = ACCOUNT): Caller {
  const grants = [{ policy: { id: 'p', name: 'p', statements }, enterpriseProjectIds: [PROJECT] }];
  return new Caller('user-1', accountId, false, buildAbility(compilePolicies(grants, false)), { token: 'token-1' });
}

const developer = caller([{ effect: 'ALLOW', actions: ['servicestage:*:*'] }]);

const job: PackageJobDto = {
  id: 'job-1',
  accountId: ACCOUNT,
  enterpriseProjectId: PROJECT,
  name: 'orders',
  description: null,
  packageId: 'package-1',
  techStack: 'NODEJS',
  buildSpec: { type: 'CUSTOM_DOCKERFILE', baseImage: null, baseImageTag: null, dockerfile: 'FROM alpine\nARG TOKEN=s3cret\n' },
  imageClass: 'PRIVATE',
  archiveImage: 'registry.example.com/team/orders:1.0',
  clusterId: CLUSTER,
  nodeLabels: [{ key: 'pool', value: 'build' }],
  warnings: [],
  autoRebase: false,
  createdBy: 'user-1',
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
  version: 1,
};

interface Refusal {
  reason: BuildErrorReason;
  code: ErrorCode;
  message: string;
  field?: string;
}

const connection = {
  clusterId: CLUSTER,
  type: 'KUBERNETES' as const,
  buildNamespace: 'stagecraft-builds',
  kubeconfig: 'apiVersion: v1',
};

describe('BuildsService.startFor', () => {
  let records: InMemoryBuildRecords;
  let queue: FakeBuildQueue;
  let targets: FakeBuildTargets;
  let downloads: FakePackageDownloads;
  let clusters: FakeClusterConnections;
  const config = Object.assign(new BuildsConfig(), { BUILD_QUEUE_TIMEOUT_SECONDS: 1800, BUILD_DEADLINE_SECONDS: 3600 });

  const service = () =>
    new BuildsService(
      records,
      new FakeBuildLogs(),
      queue,
      new FakeRunningBuilds(),
      new FakeBuildExecutor(),
      new FakePackageJobs(),
      targets,
      downloads,
      clusters,
      config,
    );

  /** The start is refused with `expected` (and no field unless it names one); nothing was queued or woken. */
  const expectRefused = async (start: Promise<unknown>, expected: Refusal) => {
    const error = await start.then(
      () => new Error('expected a refusal'),
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(BuildError);
    expect(error).toMatchObject({ field: undefined, ...expected });
    expect(records.rows.size).toBe(0);
    expect(records.events).toEqual([]);
    expect(queue.wakes).toBe(0);
  };

  beforeEach(() => {
    records = new InMemoryBuildRecords();
    queue = new FakeBuildQueue();
    targets = new FakeBuildTargets({ id: CLUSTER, accountId: ACCOUNT, enterpriseProjectId: PROJECT });
    downloads = new FakePackageDownloads();
    clusters = new FakeClusterConnections();
  });

  it('queues a build with the job as it is now, the package download grant, and its first event', async () => {
    targets.target.nodes.eligible = [buildNode('node-b'), buildNode('node-c')];

    const build = await service().startFor(developer, job);

    expect(targets.asked).toEqual([{ clusterId: CLUSTER, labels: job.nodeLabels }]);
    // Long enough for the longest wait in the queue and the longest run, and some margin.
    expect(downloads.granted).toEqual([{ packageId: 'package-1', ttlSeconds: 1800 + 3600 + 600 }]);
    expect(records.rows.get(build.id)).toMatchObject({
      accountId: ACCOUNT,
      enterpriseProjectId: PROJECT,
      jobId: 'job-1',
      clusterId: CLUSTER,
      number: 1,
      status: 'QUEUED',
      triggeredBy: 'user-1',
      packageUrl: null,
      packageGrant: 'grant-for-package-1',
      packageSha256: 'sha256-of-package-1',
      spec: {
        jobName: 'orders',
        packageId: 'package-1',
        techStack: 'NODEJS',
        buildSpec: job.buildSpec,
        imageClass: 'PRIVATE',
        archiveImage: 'registry.example.com/team/orders:1.0',
        clusterId: CLUSTER,
        nodeLabels: job.nodeLabels,
        nodeName: 'node-b',
        clusterType: 'LOCAL',
        eligibleNodes: ['node-b', 'node-c'],
      },
    });
    expect(build).toMatchObject({ jobId: 'job-1', number: 1, status: 'QUEUED', triggeredBy: 'user-1' });
    // The Dockerfile stays in this service's database: answers and events carry none of it.
    expect(build.spec.buildSpec.dockerfile).toBeNull();
    expect(records.events).toEqual([{ type: 'queued', build }]);
    expect(queue.wakes).toBe(1);
    expect(clusters.saved.size).toBe(0);
  });

  it('numbers the builds of a job one after another', async () => {
    const first = await service().startFor(developer, job);
    const second = await service().startFor(developer, job);
    expect([first.number, second.number]).toEqual([1, 2]);
  });

  it('keeps the connection of a Kubernetes cluster, so the build can be followed after a restart', async () => {
    targets.onKubernetes(connection);

    const build = await service().startFor(developer, job);

    expect(clusters.saved.get(CLUSTER)).toEqual(connection);
    expect(records.rows.get(build.id)?.spec.clusterType).toBe('KUBERNETES');
  });

  it('answers a job of another account exactly as a missing one, and asks no other service', async () => {
    const otherAccount = caller([{ effect: 'ALLOW', actions: ['servicestage:*:*'] }], 'account-2');

    await expectRefused(service().startFor(otherAccount, job), {
      reason: BuildErrorReason.JOB_NOT_FOUND,
      code: ErrorCode.NOT_FOUND,
      message: 'package job not found',
    });
    expect(targets.asked).toEqual([]);
  });

  it.each<[string, PolicyStatement[]]>([
    ['without the create right', [{ effect: 'ALLOW', actions: ['servicestage:assembling:get'] }]],
    [
      'when an explicit Deny takes it away',
      [
        { effect: 'ALLOW', actions: ['servicestage:*:*'] },
        { effect: 'DENY', actions: ['servicestage:assembling:create'] },
      ],
    ],
  ])('refuses a caller %s', async (_, statements) => {
    await expectRefused(service().startFor(caller(statements), job), {
      reason: BuildErrorReason.ACTION_DENIED,
      code: ErrorCode.FORBIDDEN,
      message: 'servicestage:assembling:create is not allowed in this enterprise project',
    });
    expect(targets.asked).toEqual([]);
  });

  it('refuses a Kubernetes cluster while the service has no SECRETS_KEY to keep its connection', async () => {
    clusters = new FakeClusterConnections(false);
    targets.onKubernetes(connection);

    await expectRefused(service().startFor(developer, job), {
      reason: BuildErrorReason.CLUSTERS_NOT_CONFIGURED,
      code: ErrorCode.UNAVAILABLE,
      message: 'the builds service needs SECRETS_KEY or SECRETS_KEY_FILE to run builds on Kubernetes clusters',
    });
  });

  it.each([
    [
      'UNAVAILABLE',
      'the API server refused the credentials',
      'the cluster is UNAVAILABLE: the API server refused the credentials',
    ],
    ['CONNECTING', null, 'the cluster is CONNECTING'],
  ] as const)('refuses a Kubernetes cluster that is %s', async (status, statusReason, message) => {
    targets.onKubernetes(connection);
    targets.target.cluster = { ...targets.target.cluster, status, statusReason };

    await expectRefused(service().startFor(developer, job), {
      reason: BuildErrorReason.CLUSTER_NOT_AVAILABLE,
      code: ErrorCode.CONFLICT,
      message,
      field: 'jobId',
    });
    expect(clusters.saved.size).toBe(0);
  });

  it('refuses a Kubernetes cluster the clusters service gives no connection for', async () => {
    targets.onKubernetes(null);

    await expectRefused(service().startFor(developer, job), {
      reason: BuildErrorReason.CLUSTER_NOT_AVAILABLE,
      code: ErrorCode.CONFLICT,
      message: 'the cluster has no Kubernetes connection',
      field: 'jobId',
    });
  });

  it("refuses when no node of the cluster may take the job's build", async () => {
    targets.target.nodes.eligible = [];

    await expectRefused(service().startFor(developer, job), {
      reason: BuildErrorReason.NO_ELIGIBLE_NODE,
      code: ErrorCode.CONFLICT,
      message: "no ready node of the cluster carries the job's node labels",
      field: 'jobId',
    });
    expect(downloads.granted).toEqual([]);
  });

  it("answers as a missing job when the job's deletion got there first", async () => {
    await records.deleteJobBuilds(ACCOUNT, job.id);

    await expectRefused(service().startFor(developer, job), {
      reason: BuildErrorReason.JOB_NOT_FOUND,
      code: ErrorCode.NOT_FOUND,
      message: 'package job not found',
    });
  });
});

describe('BuildsService.cancel', () => {
  let records: InMemoryBuildRecords;
  let running: FakeRunningBuilds;
  let executor: FakeBuildExecutor;
  const config = Object.assign(new BuildsConfig(), { BUILD_QUEUE_TIMEOUT_SECONDS: 1800, BUILD_DEADLINE_SECONDS: 3600 });

  const service = () =>
    new BuildsService(
      records,
      new FakeBuildLogs(),
      new FakeBuildQueue(),
      running,
      executor,
      new FakePackageJobs(),
      new FakeBuildTargets({ id: CLUSTER, accountId: ACCOUNT, enterpriseProjectId: PROJECT }),
      new FakePackageDownloads(),
      new FakeClusterConnections(),
      config,
    );

  /** A RUNNING build whose lease names `runnerId` until `leaseExpiresAt`. */
  const runningBuild = async (runnerId: string, leaseExpiresAt: Date) => {
    const build = await service().startFor(developer, job);
    await records.transition(build.id, 'SCHEDULING', { runnerId, leaseExpiresAt });
    await records.transition(build.id, 'RUNNING');
    return build.id;
  };

  beforeEach(() => {
    records = new InMemoryBuildRecords();
    running = new FakeRunningBuilds();
    executor = new FakeBuildExecutor();
  });

  it('stops a build running in this process; it ends there', async () => {
    const id = await runningBuild(running.id, new Date(Date.now() + 30_000));
    running.running.add(id);

    expect((await service().cancel(developer, id)).status).toBe('CANCELLING');
    expect(running.stopped).toEqual([{ buildId: id, reason: 'cancel' }]);
  });

  it('leaves a build another replica holds a live lease on CANCELLING: its runner stops it when it renews', async () => {
    const id = await runningBuild('another-runner', new Date(Date.now() + 30_000));

    expect((await service().cancel(developer, id)).status).toBe('CANCELLING');
    expect(running.stopped).toEqual([]);
    expect(records.rows.get(id)?.status).toBe('CANCELLING');
  });

  it('ends a build CANCELLED itself when no replica runs it (its lease ran out)', async () => {
    const id = await runningBuild('a-dead-runner', new Date(Date.now() - 1000));

    expect((await service().cancel(developer, id)).status).toBe('CANCELLED');
    expect(records.rows.get(id)?.status).toBe('CANCELLED');
  });
});
