import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@stagecraft/config';
import type { BuildSpecDto, BuildStatus, TechStack } from '@stagecraft/contracts';
import { FakeJobController, FakeKubeApiServer, type KubeObject, waitFor } from '@stagecraft/kube/testing';
import {
  buildZip,
  createTestDatabase,
  nodeApp,
  type TestDatabase,
  testNatsSettings,
  testSubjectPrefix,
} from '@stagecraft/testing';
import { Job } from 'kubernetes-models/batch/v1';
import { Secret } from 'kubernetes-models/v1';
import { DataSource } from 'typeorm';

import { BuildsModule } from '../src/builds.module';
import { BuildObjectsJanitor } from '../src/builds/build-objects.janitor';
import { BuildsService } from '../src/builds/builds.service';
import { BuildRepository } from '../src/builds/infra/build.repository';
import { BuildClusterStore } from '../src/builds/infra/build-cluster.store';
import { HARDENED_SECURITY_CONTEXT } from '../src/builds/testing/build-pod-fixtures';
import { BuildsConfig } from '../src/config';
import { queuedBuild } from './queued-build';

const NAMESPACE = 'stagecraft-builds';
const PACKAGE_URL_SECRET = 'X-Amz-Signature=0123456789abcdef';
const REGISTRY_PASSWORD = 'registry-password-do-not-show';
const DIGEST = `sha256:${'a'.repeat(64)}`;
/** The npm registry the builds service is configured with: what the dependencies container must use. */
const NPM_REGISTRY = 'https://npm.mirror.example/';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('builds on Kubernetes (fake API server, real Postgres and NATS)', () => {
  let database: TestDatabase;
  let fake: FakeKubeApiServer;
  let controller: FakeJobController;
  let app: INestApplicationContext | undefined;
  /** Serves packages by path behind a "presigned" query, as OBS would: the builds service reads NODEJS ones to plan installs. */
  let packageServer: Server;
  let packageBase: string;
  const served = new Map<string, Buffer>();
  const packageRequests: string[] = [];
  const prefix = testSubjectPrefix();
  const clusterId = randomUUID();
  const accountId = randomUUID();
  const projectId = randomUUID();
  const secretsKey = randomBytes(32).toString('base64');

  const start = async () => {
    const config = loadConfig(BuildsConfig, {
      DATABASE_URL: database.url,
      ...testNatsSettings('builds', prefix),
      SECRETS_KEY: secretsKey,
      BUILD_CONCURRENCY_PER_CLUSTER: '20',
      BUILD_SCHEDULER_INTERVAL_MS: '50',
      KUBE_RECONCILE_INTERVAL_MS: '3600000',
      KUBE_WATCH_BACKOFF_MAX_MS: '200',
      KUBE_POD_REJECTION_CHECK_MS: '200',
      // The fake Kubernetes API listens on 127.0.0.1 (docs/security.md#egress).
      EGRESS_ALLOWED_CIDRS: '127.0.0.1/32',
      BUILD_DEADLINE_SECONDS: '900',
      REGISTRY_CREDENTIALS: JSON.stringify({ 'registry.example.com': { username: 'builder', password: REGISTRY_PASSWORD } }),
      BUILD_NPM_REGISTRY: NPM_REGISTRY,
    });
    app = await NestFactory.createApplicationContext(BuildsModule.forConfig(config), { logger: false });
    await app.init();
    return app;
  };
  const stop = async () => {
    await app?.close();
    app = undefined;
  };
  const query = <T = Json>(sql: string, params: unknown[]): Promise<T[]> => app!.get(DataSource).query(sql, params);
  const buildRow = async (id: string) => (await query('SELECT * FROM builds WHERE id = $1', [id]))[0];
  const statusOf = async (id: string): Promise<BuildStatus> => (await buildRow(id)).status;
  const until = (id: string, status: BuildStatus, timeoutMs = 15_000) =>
    waitFor(async () => (await statusOf(id)) === status, { timeoutMs, what: `build ${id} ${status}` });
  const logOf = async (id: string) =>
    (await query<{ text: string }>('SELECT text FROM build_log_chunks WHERE build_id = $1 ORDER BY "offset"', [id]))
      .map((r) => r.text)
      .join('');
  const eventsOf = async (id: string) =>
    (
      await query<{ type: string; phase: string | null }>(
        `SELECT payload->>'type' AS type, payload->'build'->>'phase' AS phase FROM build_events
          WHERE payload->'build'->>'id' = $1 ORDER BY sequence`,
        [id],
      )
    ).map((e) => (e.type === 'phase' ? `phase:${e.phase}` : e.type));
  const jobName = (id: string) => `stagecraft-build-${id}`;
  const jobOf = (id: string) => fake.object('jobs.batch', NAMESPACE, jobName(id));
  const podOf = (id: string, index = 0) =>
    waitFor(() => controller.pods(NAMESPACE, jobName(id))[index], { timeoutMs: 10_000, what: `pod ${index} of ${id}` });

  const queue = async (
    buildSpec: BuildSpecDto = systemDefault,
    id: string = randomUUID(),
    pkg: { techStack: TechStack; name: string; bytes: Buffer } | null = null,
  ) => {
    if (pkg) served.set(`/packages/${id}/${pkg.name}`, pkg.bytes);
    const build = await app!.get(BuildRepository).create(
      queuedBuild(
        {
          id,
          accountId,
          enterpriseProjectId: projectId,
          clusterId,
          packageUrl: pkg
            ? `${packageBase}/packages/${id}/${pkg.name}?${PACKAGE_URL_SECRET}`
            : `https://obs.example.com/packages/orders.jar?${PACKAGE_URL_SECRET}`,
          packageSha256: pkg ? createHash('sha256').update(pkg.bytes).digest('hex') : 'b'.repeat(64),
        },
        {
          jobName: 'orders-api',
          techStack: pkg?.techStack ?? 'JAVA',
          buildSpec,
          archiveImage: 'registry.example.com/team/orders:1.0',
          nodeLabels: [{ key: 'pool', value: 'build' }],
          nodeName: 'node-a',
          clusterType: 'KUBERNETES',
          eligibleNodes: ['node-a'],
        },
      ),
    );
    return build.id;
  };
  /** What the assembler writes: phase markers and lines, then its termination message. */
  const runAssembler = async (id: string, pod: string) => {
    for (const line of [
      '::stagecraft phase=DOWNLOAD',
      'Downloaded the package: 1024 bytes',
      '::stagecraft phase=BUILD',
      'Layer sha256:1234 (1.0 KiB)',
      '::stagecraft phase=PUSH',
      'Pushed registry.example.com/team/orders:1.0',
      '::stagecraft phase=POSTPROCESS',
    ])
      fake.appendPodLog(NAMESPACE, pod, line);
    await waitFor(async () => (await logOf(id)).includes('Pushed registry.example.com'), { what: 'the log streamed' });
  };
  const succeed = (pod: string) =>
    controller.finishPod(NAMESPACE, pod, {
      exitCode: 0,
      message: JSON.stringify({ status: 'SUCCEEDED', digest: DIGEST, image: `registry.example.com/team/orders:1.0@${DIGEST}` }),
    });

  beforeAll(async () => {
    database = await createTestDatabase('kubebuilds');
    packageServer = createServer((request, response) => {
      const url = new URL(request.url!, 'http://localhost');
      packageRequests.push(url.pathname);
      const bytes = served.get(url.pathname);
      if (!bytes || !url.search.includes(PACKAGE_URL_SECRET)) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
    });
    await new Promise<void>((resolve) => packageServer.listen(0, '127.0.0.1', resolve));
    packageBase = `http://127.0.0.1:${(packageServer.address() as AddressInfo).port}`;
  });
  beforeEach(async () => {
    fake = await FakeKubeApiServer.start();
    fake.createObject('namespaces', { metadata: { name: NAMESPACE } });
    fake.seedNode({ name: 'node-a', labels: { pool: 'build' }, internalIP: '10.0.0.1', externalIP: '203.0.113.1' });
    controller = new FakeJobController(fake);
    await start();
    await app!
      .get(BuildClusterStore)
      .save({ clusterId, type: 'KUBERNETES', buildNamespace: NAMESPACE, kubeconfig: fake.kubeconfig() });
  });
  afterEach(async () => {
    await stop();
    controller.stop();
    await fake.close();
  });
  afterAll(async () => {
    packageServer?.closeAllConnections();
    await new Promise((resolve) => packageServer?.close(resolve));
    await database.drop();
  });

  it('runs a build as one hardened Job, streams its log and phases, and records the digest', async () => {
    const id = await queue();
    const pod = await podOf(id);
    const job = jobOf(id)!;
    const secret = fake.object('secrets', NAMESPACE, jobName(id))!;
    expect(() => new Job(job as never).validate()).not.toThrow();
    expect(() => new Secret(secret as never).validate()).not.toThrow();

    expect(job.metadata.labels).toMatchObject({
      'stagecraft.io/account-id': accountId,
      'stagecraft.io/project-id': projectId,
      'stagecraft.io/build-id': id,
      'app.kubernetes.io/managed-by': 'stagecraft',
    });
    const jobSpec = job.spec as Json;
    expect(jobSpec.backoffLimit).toBe(0);
    expect(jobSpec.activeDeadlineSeconds).toBe(900);
    expect(jobSpec.ttlSecondsAfterFinished).toBe(600);
    expect(jobSpec.podFailurePolicy.rules).toEqual([
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ]);
    const podSpec = pod.spec as Json;
    expect(podSpec.nodeSelector).toEqual({ pool: 'build' });
    expect(podSpec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] },
    ]);
    expect(podSpec.automountServiceAccountToken).toBe(false);
    expect(podSpec.enableServiceLinks).toBe(false);
    expect(podSpec.hostNetwork).toBe(false);
    expect(podSpec.hostPID).toBe(false);
    expect(podSpec.hostIPC).toBe(false);
    expect(podSpec.restartPolicy).toBe('Never');
    expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const container of [...(podSpec.initContainers ?? []), ...podSpec.containers]) {
      expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(container.securityContext.capabilities).toEqual({ drop: ['ALL'] });
      expect(container.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(container.securityContext.runAsNonRoot).toBe(true);
      expect(container.securityContext.privileged).toBe(false);
      expect(container.resources.requests).toEqual({ cpu: '500m', memory: '512Mi' });
      expect(container.resources.limits).toEqual({ cpu: '2', memory: '2Gi' });
    }
    expect(podSpec.containers[0]).toMatchObject({ name: 'build', image: 'stagecraft/assembler:0.1.0', args: ['assemble'] });
    // The package URL and registry password are only in the Secret, never in the Job.
    expect(JSON.stringify(job)).not.toContain(PACKAGE_URL_SECRET);
    const secretFiles = Object.fromEntries(
      Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    expect(JSON.parse(secretFiles['spec.json'])).toMatchObject({
      buildId: id,
      baseImage: 'eclipse-temurin:17-jre',
      targetImage: 'registry.example.com/team/orders:1.0',
      packageUrl: expect.stringContaining(PACKAGE_URL_SECRET),
    });
    expect(JSON.parse(secretFiles['config.json']).auths).toEqual({
      'registry.example.com': { auth: Buffer.from(`builder:${REGISTRY_PASSWORD}`).toString('base64') },
    });
    const owned = await waitFor(() => fake.object('secrets', NAMESPACE, jobName(id))?.metadata.ownerReferences, {
      what: 'the owner',
    });
    expect(owned[0]).toMatchObject({ kind: 'Job', name: jobName(id), uid: job.metadata.uid });

    controller.startPod(NAMESPACE, pod.metadata.name);
    await runAssembler(id, pod.metadata.name);
    succeed(pod.metadata.name);
    await until(id, 'SUCCEEDED');

    const row = await buildRow(id);
    expect(row.image_digest).toBe(DIGEST);
    expect(row.node).toBe('node-a');
    expect(row.image).toBe(`registry.example.com/team/orders:1.0@${DIGEST}`);
    const log = await logOf(id);
    expect(log).toContain(`Pod ${pod.metadata.name} runs on node node-a`);
    expect(log).toContain('Downloaded the package: 1024 bytes');
    expect(log).not.toContain('::stagecraft');
    expect(await eventsOf(id)).toEqual([
      'queued',
      'scheduling',
      'running',
      'node',
      'phase:DOWNLOAD',
      'phase:BUILD',
      'phase:PUSH',
      'phase:POSTPROCESS',
      'succeeded',
    ]);
    // The Secret goes at the end of the build; the finished Job stays for its TTL.
    await waitFor(() => !fake.object('secrets', NAMESPACE, jobName(id)), { what: 'the Secret deleted' });
    expect(jobOf(id)).toBeDefined();
    // The cluster's credentials appear in nothing Stagecraft wrote to the cluster or the log.
    for (const object of [...fake.objects('jobs.batch', NAMESPACE), ...fake.objects('pods', NAMESPACE)])
      expect(JSON.stringify(object)).not.toContain(fake.token);
    expect(log).not.toContain(fake.token);
    expect(log).not.toContain(PACKAGE_URL_SECRET);
  });

  it('a non-zero exit fails the build with the reason and phase the container reported', async () => {
    const id = await queue();
    const pod = await podOf(id);
    controller.startPod(NAMESPACE, pod.metadata.name);
    fake.appendPodLog(NAMESPACE, pod.metadata.name, '::stagecraft phase=DOWNLOAD');
    await waitFor(async () => (await buildRow(id)).phase === 'DOWNLOAD', { what: 'phase DOWNLOAD' });
    controller.finishPod(NAMESPACE, pod.metadata.name, {
      exitCode: 1,
      message: JSON.stringify({
        status: 'FAILED',
        reason: 'BASE_IMAGE_NOT_FOUND',
        message: 'no such base image',
        phase: 'BUILD',
      }),
    });
    await until(id, 'FAILED');
    const row = await buildRow(id);
    expect(row.reason).toBe('BASE_IMAGE_NOT_FOUND');
    expect(row.message).toBe('no such base image (phase BUILD)');
  });

  it('an exit without a report fails with BUILD_FAILED, the exit code and the phase', async () => {
    const id = await queue();
    const pod = await podOf(id);
    fake.appendPodLog(NAMESPACE, pod.metadata.name, 'Downloaded the package', undefined, 'fetch');
    fake.endPodLog(NAMESPACE, pod.metadata.name, 'fetch');
    controller.startPod(NAMESPACE, pod.metadata.name);
    fake.appendPodLog(NAMESPACE, pod.metadata.name, '::stagecraft phase=BUILD');
    await waitFor(async () => (await buildRow(id)).phase === 'BUILD', { what: 'phase BUILD' });
    controller.finishPod(NAMESPACE, pod.metadata.name, { exitCode: 3, message: 'step 4/7 failed\nERROR: exit status 3' });
    await until(id, 'FAILED');
    const row = await buildRow(id);
    expect(row.reason).toBe('BUILD_FAILED');
    expect(row.message).toBe('the build container exited with code 3 in phase BUILD: ERROR: exit status 3');
  });

  it('an image that cannot be pulled fails the build with IMAGE_PULL and deletes the Job', async () => {
    const id = await queue();
    const pod = await podOf(id);
    controller.failImagePull(NAMESPACE, pod.metadata.name);
    await until(id, 'FAILED');
    expect((await buildRow(id)).reason).toBe('IMAGE_PULL');
    expect((await buildRow(id)).message).toContain('stagecraft/assembler:0.1.0');
    await waitFor(() => !jobOf(id) && controller.pods(NAMESPACE, jobName(id)).length === 0, { what: 'Job and pods deleted' });
  });

  it('an evicted pod is retried once in a new pod; a second eviction ends the build ERROR', async () => {
    const retried = await queue();
    const first = await podOf(retried);
    controller.startPod(NAMESPACE, first.metadata.name);
    controller.evictPod(NAMESPACE, first.metadata.name);
    const second = await podOf(retried, 1);
    controller.startPod(NAMESPACE, second.metadata.name);
    await runAssembler(retried, second.metadata.name);
    succeed(second.metadata.name);
    await until(retried, 'SUCCEEDED');
    expect(await logOf(retried)).toContain(`Pod ${first.metadata.name} was disrupted (EvictionByEvictionAPI)`);

    const evicted = await queue();
    controller.evictPod(NAMESPACE, (await podOf(evicted)).metadata.name);
    controller.evictPod(NAMESPACE, (await podOf(evicted, 1)).metadata.name, 'PreemptionByScheduler');
    await until(evicted, 'ERROR');
    expect(await buildRow(evicted)).toMatchObject({
      reason: 'EVICTED',
      message: expect.stringMatching(
        /^the build pod was disrupted twice \((EvictionByEvictionAPI|PreemptionByScheduler), (EvictionByEvictionAPI|PreemptionByScheduler)\)$/,
      ),
    });
    await waitFor(() => !jobOf(evicted), { what: 'the Job deleted' });
  });

  it('a build pod the cluster refuses to create fails the build with the admission message; a quota refusal waits', async () => {
    controller.rejectPodsWith = 'exceeded quota: stagecraft-build-quota, requested: pods=1, used: pods=20, limited: pods=20';
    const waiting = await queue();
    await until(waiting, 'RUNNING');
    await waitFor(() => fake.objects('events', NAMESPACE).length > 0, { what: 'the FailedCreate event' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await statusOf(waiting)).toBe('RUNNING');

    controller.rejectPodsWith =
      'violates PodSecurity "restricted:latest": seccompProfile (container "build" must not set type to "Unconfined")';
    const refused = await queue();
    await until(refused, 'FAILED');
    expect(await buildRow(refused)).toMatchObject({
      reason: 'POD_REJECTED',
      message: expect.stringContaining('violates PodSecurity "restricted:latest"'),
    });
    await waitFor(() => !jobOf(refused), { what: 'the Job deleted' });
  });

  it('the Job passing its activeDeadlineSeconds ends the build TIMED_OUT', async () => {
    const id = await queue();
    const pod = await podOf(id);
    controller.startPod(NAMESPACE, pod.metadata.name);
    controller.exceedDeadline(NAMESPACE, jobName(id));
    await until(id, 'TIMED_OUT');
    expect((await buildRow(id)).reason).toBe('DEADLINE_EXCEEDED');
  });

  it('cancelling deletes the Job with background propagation and ends CANCELLED', async () => {
    const id = await queue();
    const pod = await podOf(id);
    controller.startPod(NAMESPACE, pod.metadata.name);
    await until(id, 'RUNNING');
    fake.clearRequests();
    await app!.get(BuildsService).cancel(callerOf(), id);
    await until(id, 'CANCELLED');
    await waitFor(() => !jobOf(id) && controller.pods(NAMESPACE, jobName(id)).length === 0, { what: 'Job and pod gone' });
    const deletion = fake.requests.find((r) => r.method === 'DELETE' && r.path.endsWith(`/jobs/${jobName(id)}`));
    expect(deletion?.query.propagationPolicy).toBe('Background');
    expect(fake.object('secrets', NAMESPACE, jobName(id))).toBeUndefined();
  });

  it('adopts a Job that already exists for the build (a create answered 409): never two Jobs', async () => {
    // As if a previous process created the Job and stopped before it could record that.
    const id = randomUUID();
    const labels = {
      'app.kubernetes.io/managed-by': 'stagecraft',
      'app.kubernetes.io/component': 'build',
      'stagecraft.io/build-id': id,
    };
    fake.createObject('jobs.batch', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: jobName(id), namespace: NAMESPACE, labels },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels },
          spec: { restartPolicy: 'Never', containers: [{ name: 'build', image: 'stagecraft/assembler:0.1.0' }] },
        },
      },
    });
    await queue(systemDefault, id);
    await until(id, 'RUNNING');
    const pod = await podOf(id);
    expect(fake.objects('jobs.batch', NAMESPACE)).toHaveLength(1);
    controller.startPod(NAMESPACE, pod.metadata.name);
    await runAssembler(id, pod.metadata.name);
    succeed(pod.metadata.name);
    await until(id, 'SUCCEEDED');
    expect(await logOf(id)).toContain(`Following the existing Job ${NAMESPACE}/${jobName(id)}`);
    expect(controller.pods(NAMESPACE, jobName(id))).toHaveLength(1);
  });

  it('a builds service killed mid-build resumes it: one Job, no line twice, every event once and in order', async () => {
    const id = await queue();
    const pod = await podOf(id);
    controller.startPod(NAMESPACE, pod.metadata.name);
    fake.appendPodLog(NAMESPACE, pod.metadata.name, '::stagecraft phase=DOWNLOAD');
    fake.appendPodLog(NAMESPACE, pod.metadata.name, 'line 1');
    fake.appendPodLog(NAMESPACE, pod.metadata.name, 'line 2');
    await waitFor(async () => (await logOf(id)).includes('line 2'), { what: 'two lines stored' });
    await stop();
    // While the service is away, the build goes on.
    fake.appendPodLog(NAMESPACE, pod.metadata.name, 'line 3');
    fake.appendPodLog(NAMESPACE, pod.metadata.name, '::stagecraft phase=BUILD');
    await start();
    fake.appendPodLog(NAMESPACE, pod.metadata.name, 'line 4');
    await waitFor(async () => (await logOf(id)).includes('line 4'), { what: 'line 4 stored' });
    // A broken connection (watches and the log stream) mid-build, then history compacted (410 on re-watch).
    fake.setUnavailable(true, 'drop');
    fake.appendPodLog(NAMESPACE, pod.metadata.name, 'line 5');
    fake.compactHistory();
    fake.setUnavailable(false);
    fake.appendPodLog(NAMESPACE, pod.metadata.name, 'line 6');
    await waitFor(async () => (await logOf(id)).includes('line 6'), { what: 'line 6 stored', timeoutMs: 10_000 });
    succeed(pod.metadata.name);
    await until(id, 'SUCCEEDED');

    const lines = (await logOf(id)).split('\n').filter((l) => l.startsWith('line '));
    expect(lines).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
    expect(fake.objects('jobs.batch', NAMESPACE)).toHaveLength(1);
    expect(await eventsOf(id)).toEqual(['queued', 'scheduling', 'running', 'node', 'phase:DOWNLOAD', 'phase:BUILD', 'succeeded']);
  });

  it('a resumed build whose Job was removed while the service was away ends ERROR and is not started again', async () => {
    const id = await queue();
    const pod = await podOf(id);
    controller.startPod(NAMESPACE, pod.metadata.name);
    await until(id, 'RUNNING');
    await stop();
    fake.deleteObject('jobs.batch', NAMESPACE, jobName(id), { propagationPolicy: 'Background' });
    await start();
    await until(id, 'ERROR');
    expect(await buildRow(id)).toMatchObject({ reason: 'JOB_DELETED' });
    expect(jobOf(id)).toBeUndefined();
  });

  it('CUSTOM_DOCKERFILE runs rootless BuildKit after a hardened fetch step, and reads the digest from its metadata', async () => {
    const id = await queue({
      type: 'CUSTOM_DOCKERFILE',
      baseImage: null,
      baseImageTag: null,
      dockerfile: 'FROM eclipse-temurin:17\nCOPY app.jar /app/',
    });
    const pod = await podOf(id);
    expect(() => new Job(jobOf(id) as never).validate()).not.toThrow();
    const spec = pod.spec as Json;
    const [fetch] = spec.initContainers;
    expect(fetch).toMatchObject({ name: 'fetch', image: 'stagecraft/assembler:0.1.0', args: ['fetch'] });
    expect(fetch.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
      runAsNonRoot: true,
    });
    const [buildkit] = spec.containers;
    expect(buildkit.image).toBe('moby/buildkit:v0.17.3-rootless');
    // The documented exceptions rootless BuildKit needs, and no more.
    expect(buildkit.securityContext).toEqual({
      allowPrivilegeEscalation: true,
      capabilities: { drop: ['ALL'], add: ['SETUID', 'SETGID'] },
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: 'Unconfined' },
      appArmorProfile: { type: 'Unconfined' },
    });
    const secret = fake.object('secrets', NAMESPACE, jobName(id))!;
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    expect(JSON.parse(Buffer.from((secret.data as Json)['spec.json'], 'base64').toString()).dockerfile).toContain(
      'FROM eclipse-temurin:17',
    );

    fake.appendPodLog(NAMESPACE, pod.metadata.name, 'Downloaded the package', undefined, 'fetch');
    fake.endPodLog(NAMESPACE, pod.metadata.name, 'fetch');
    controller.startPod(NAMESPACE, pod.metadata.name);
    fake.appendPodLog(NAMESPACE, pod.metadata.name, '::stagecraft phase=BUILD');
    fake.appendPodLog(NAMESPACE, pod.metadata.name, '#8 pushing layers');
    await waitFor(async () => (await buildRow(id)).phase === 'PUSH', { what: 'phase PUSH from BuildKit output' });
    controller.finishPod(NAMESPACE, pod.metadata.name, {
      exitCode: 0,
      message: JSON.stringify({ 'containerimage.digest': DIGEST, 'image.name': 'registry.example.com/team/orders:1.0' }),
    });
    await until(id, 'SUCCEEDED');
    expect((await buildRow(id)).image).toBe(`registry.example.com/team/orders:1.0@${DIGEST}`);
    // Each container's log once, the fetch step's first.
    expect((await logOf(id)).match(/Downloaded the package\n|#8 pushing layers\n/g)).toEqual([
      'Downloaded the package\n',
      '#8 pushing layers\n',
    ]);
  });

  it('a NODEJS package with dependencies and a lockfile: fetch, the base image’s own npm ci, then build; the spec names the install', async () => {
    const node = nodeApp();
    const id = await queue(nodeDefault, undefined, { techStack: 'NODEJS', name: node.fileName, bytes: node.bytes });
    const pod = await podOf(id);
    const job = jobOf(id)!;
    expect(() => new Job(job as never).validate()).not.toThrow();
    // The builds service read the package itself to plan the install.
    expect(packageRequests).toContain(`/packages/${id}/${node.fileName}`);

    const spec = pod.spec as Json;
    expect(spec.initContainers.map((c: Json) => c.name)).toEqual(['fetch', 'dependencies']);
    expect(spec.containers.map((c: Json) => c.name)).toEqual(['build']);
    const [fetch, dependencies] = spec.initContainers;
    const [build] = spec.containers;
    expect(fetch).toMatchObject({ image: 'stagecraft/assembler:0.1.0', args: ['fetch'] });
    expect(build).toMatchObject({ image: 'stagecraft/assembler:0.1.0', args: ['assemble'] });
    expect(dependencies).toMatchObject({
      image: 'node:20-slim',
      command: ['npm', 'ci', '--omit=dev', '--ignore-scripts', '--replace-registry-host=always', '--no-audit', '--no-fund'],
      workingDir: '/app',
      terminationMessagePolicy: 'FallbackToLogsOnError',
    });
    const envOf = (c: Json) => Object.fromEntries(c.env.map((e: Json) => [e.name, e.value]));
    expect(envOf(dependencies)).toMatchObject({ NPM_CONFIG_REGISTRY: NPM_REGISTRY, HOME: '/tmp' });
    for (const c of [fetch, build])
      expect(envOf(c)).toMatchObject({ PACKAGE_FILE: '/workspace/package', DEPENDENCIES_DIR: '/stagecraft/dependencies' });
    for (const c of [fetch, dependencies, build]) expect(c.securityContext).toEqual(HARDENED_SECURITY_CONTEXT);
    expect(spec.automountServiceAccountToken).toBe(false);
    // The tenant's base image runs npm: it mounts only emptyDirs, never the Secret, and its env holds no credential.
    const volumes = new Map<string, Json>(spec.volumes.map((v: Json) => [v.name, v]));
    for (const mount of dependencies.volumeMounts)
      expect(volumes.get(mount.name)).toEqual({ name: mount.name, emptyDir: { sizeLimit: '8Gi' } });
    // The kubelet pulls node:20-slim with the build's Secret; its pull key is never mounted.
    expect(spec.imagePullSecrets).toEqual([{ name: jobName(id) }]);
    expect(spec.nodeSelector).toMatchObject({ 'kubernetes.io/arch': 'amd64' });
    expect(dependencies.volumeMounts).toContainEqual({ name: 'dependencies', mountPath: '/app', subPath: 'work' });
    expect(JSON.stringify(dependencies)).not.toMatch(
      new RegExp(`${REGISTRY_PASSWORD}|${PACKAGE_URL_SECRET}|/var/run/stagecraft`),
    );
    expect(dependencies.envFrom).toBeUndefined();
    expect(build.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'workspace', mountPath: '/workspace', readOnly: true },
        { name: 'dependencies', mountPath: '/stagecraft/dependencies', readOnly: true },
      ]),
    );
    const secret = fake.object('secrets', NAMESPACE, jobName(id))!;
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    expect(JSON.parse(Buffer.from((secret.data as Json)['spec.json'], 'base64').toString())).toMatchObject({
      techStack: 'NODEJS',
      baseImage: 'node:20-slim',
      dockerfile: null,
      dependencies: { tool: 'npm', registryUrl: NPM_REGISTRY },
    });

    // fetch, then npm's own output, then the assembler: one log, in order, and the digest.
    fake.appendPodLog(NAMESPACE, pod.metadata.name, '::stagecraft phase=DOWNLOAD', undefined, 'fetch');
    fake.appendPodLog(NAMESPACE, pod.metadata.name, 'Downloaded the package node-app.zip', undefined, 'fetch');
    fake.endPodLog(NAMESPACE, pod.metadata.name, 'fetch');
    fake.appendPodLog(NAMESPACE, pod.metadata.name, 'added 1 package in 1s', undefined, 'dependencies');
    fake.endPodLog(NAMESPACE, pod.metadata.name, 'dependencies');
    controller.startPod(NAMESPACE, pod.metadata.name);
    await runAssembler(id, pod.metadata.name);
    succeed(pod.metadata.name);
    await until(id, 'SUCCEEDED');
    const log = await logOf(id);
    expect(log).toMatch(
      /Dependencies: npm ci .* from package-lock\.json: 1 declared dependency, in the build pod's dependencies step/,
    );
    expect(log.indexOf('Downloaded the package node-app.zip')).toBeLessThan(log.indexOf('added 1 package in 1s'));
    expect(log.indexOf('added 1 package in 1s')).toBeLessThan(log.indexOf('Pushed registry.example.com'));
    expect((await buildRow(id)).image_digest).toBe(DIGEST);
  });

  it('npm in the dependencies container unable to reach the registry fails the build DEPENDENCY_REGISTRY_UNREACHABLE, naming it', async () => {
    const node = nodeApp();
    const id = await queue(nodeDefault, undefined, { techStack: 'NODEJS', name: node.fileName, bytes: node.bytes });
    const pod = await podOf(id);
    const npmOutput = [
      'npm error code ENOTFOUND',
      'npm error syscall getaddrinfo',
      `npm error network request to ${NPM_REGISTRY}is-number failed, reason: getaddrinfo ENOTFOUND npm.mirror.example`,
    ];
    for (const line of npmOutput) fake.appendPodLog(NAMESPACE, pod.metadata.name, line, undefined, 'dependencies');
    fake.endPodLog(NAMESPACE, pod.metadata.name, 'dependencies');
    // As the kubelet reports it: fetch done, npm exited 1 (FallbackToLogsOnError: its output's tail), build never started.
    const spec = pod.spec as Json;
    const status = (name: string, image: string, state: Json) => ({ name, image, ready: false, restartCount: 0, state });
    fake.patchStatus('pods', NAMESPACE, pod.metadata.name, {
      phase: 'Failed',
      initContainerStatuses: [
        status('fetch', spec.initContainers[0].image, { terminated: { exitCode: 0, reason: 'Completed' } }),
        status('dependencies', 'node:20-slim', {
          terminated: { exitCode: 1, reason: 'Error', message: npmOutput.join('\n') },
        }),
      ],
      containerStatuses: [status('build', spec.containers[0].image, { waiting: { reason: 'PodInitializing' } })],
    });
    await until(id, 'FAILED');
    expect(await buildRow(id)).toMatchObject({
      reason: 'DEPENDENCY_REGISTRY_UNREACHABLE',
      message: `the package registry ${NPM_REGISTRY} could not be reached from the build (npm: npm error code ENOTFOUND)`,
    });
    expect(await logOf(id)).toContain('npm error syscall getaddrinfo');
  });

  it('a NODEJS package with dependencies and no lockfile fails DEPENDENCY_LOCKFILE_MISSING before any Secret or Job exists', async () => {
    const bytes = buildZip([
      {
        name: 'package.json',
        content: JSON.stringify({ name: 'orders', scripts: { start: 'node server.js' }, dependencies: { 'is-number': '7.0.0' } }),
      },
      { name: 'server.js', content: "require('is-number');\n" },
    ]);
    fake.clearRequests();
    const id = await queue(nodeDefault, undefined, { techStack: 'NODEJS', name: 'orders.zip', bytes });
    await until(id, 'FAILED');
    expect(await buildRow(id)).toMatchObject({
      reason: 'DEPENDENCY_LOCKFILE_MISSING',
      message: expect.stringContaining('add package-lock.json'),
    });
    expect(packageRequests).toContain(`/packages/${id}/orders.zip`);
    expect(fake.requests.filter((r) => r.method === 'POST' && /\/(jobs|secrets)$/.test(r.path))).toEqual([]);
    expect(jobOf(id)).toBeUndefined();
    expect(fake.object('secrets', NAMESPACE, jobName(id))).toBeUndefined();
  });

  it('the periodic clean-up deletes Jobs left running for ended or unknown builds, and leaves the rest', async () => {
    const stranger = randomUUID();
    const labels = { 'app.kubernetes.io/managed-by': 'stagecraft', 'app.kubernetes.io/component': 'build' };
    const orphan = (buildId: string): KubeObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: jobName(buildId), namespace: NAMESPACE, labels: { ...labels, 'stagecraft.io/build-id': buildId } },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'build', image: 'x' }] } } },
    });
    fake.createObject('jobs.batch', orphan(stranger));
    const running = await queue();
    await podOf(running);
    const deleted = await app!.get(BuildObjectsJanitor).sweep();
    expect(deleted).toEqual([`Job/${jobName(stranger)}`]);
    expect(jobOf(stranger)).toBeUndefined();
    expect(jobOf(running)).toBeDefined();
  });

  function callerOf() {
    return {
      accountId,
      userId: randomUUID(),
      meta: {},
      can: () => true,
    } as never;
  }
});

const nodeDefault: BuildSpecDto = { type: 'SYSTEM_DEFAULT', baseImage: 'node', baseImageTag: '20-slim', dockerfile: null };

const systemDefault: BuildSpecDto = {
  type: 'SYSTEM_DEFAULT',
  baseImage: 'eclipse-temurin',
  baseImageTag: '17-jre',
  dockerfile: null,
};
