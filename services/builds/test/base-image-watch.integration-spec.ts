import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { buildZip } from '@stagecraft/archive/testing';
import { buildAbility, Caller, compilePolicies } from '@stagecraft/authz';
import { loadConfig } from '@stagecraft/config';
import { ArtifactsSubjects, JobsSubjects, type PackageJobDto } from '@stagecraft/contracts';
import { decodeJson, encodeJson } from '@stagecraft/messaging';
import { ImageAssembler, OCI_LABELS, RegistryClient } from '@stagecraft/oci';
import { pushTinyImage, startTestRegistry, type TestRegistry } from '@stagecraft/oci/testing';
import { connectTestNats, createTestDatabase, type TestDatabase, testNatsSettings, testSubjectPrefix } from '@stagecraft/testing';
import type { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';

import { BuildsModule } from '../src/builds.module';
import { BaseImageWatcher } from '../src/builds/base-image.watcher';
import { BaseImageImpactService } from '../src/builds/base-image-impact.service';
import { BuildRunner } from '../src/builds/build-runner';
import type { BuildExecutor } from '../src/builds/executors/build-executor';
import { BuildRepository } from '../src/builds/infra/build.repository';
import { BuildLogStore } from '../src/builds/infra/build-log.store';
import { BuildsConfig } from '../src/config';
import { pushHostNodeImage } from './host-runtime-images';
import { queuedBuild } from './queued-build';

const NOW = new Date('2026-12-05T12:00:00.000Z');
const MINUTE = 60_000;

/**
 * The base-image watcher against a real docker-registry, Postgres and NATS (jobs and artifacts
 * answered on their subjects by this test, as the services would): a base that moves gives an
 * opted-in job exactly one BASE_IMAGE_CHANGED build, a job not opted in none; a registry that
 * fails is not asked again before its backoff has passed.
 */
describe('base image watch (real Postgres, NATS, docker-registry)', () => {
  let database: TestDatabase;
  let registry: TestRegistry;
  let app: INestApplicationContext;
  let client: RegistryClient;
  let failing: Server;
  let failingHits = 0;
  const responders: NatsConnection[] = [];
  const subjectPrefix = testSubjectPrefix();
  const login = { username: 'stagecraft', password: randomUUID() };
  const jobs = new Map<string, Pick<PackageJobDto, 'id' | 'accountId' | 'autoRebase'>>();
  const grantsAsked: unknown[] = [];
  let dir: string;

  const respond = async (identity: 'jobs' | 'artifacts', subject: string, answer: (request: never) => unknown) => {
    const connection = await connectTestNats(identity, `test-${identity}`);
    responders.push(connection);
    connection.subscribe(`${subjectPrefix}${subject}`, {
      callback: (_error, message) => {
        try {
          message.respond(encodeJson({ data: answer(decodeJson(message.data) as never) }));
        } catch (error) {
          message.respond(
            encodeJson({ error: { code: 'NOT_FOUND', message: (error as Error).message, reason: 'JOB_NOT_FOUND' } }),
          );
        }
      },
    });
    await connection.flush();
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stagecraft-basewatch-'));
    database = await createTestDatabase('basewatch');
    registry = await startTestRegistry({ basicAuth: login });
    client = new RegistryClient({ registry: registry.host, credentials: login });
    failing = createServer((_request, response) => {
      failingHits += 1;
      response.writeHead(503).end();
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const config = loadConfig(BuildsConfig, {
      DATABASE_URL: database.url,
      ...testNatsSettings('builds', subjectPrefix),
      BUILD_SCHEDULER_INTERVAL_MS: '3600000',
      BUILD_HISTORY_PRUNE_INTERVAL_SECONDS: '3600',
      // Passes are made by the test, each as of its own instant.
      BASE_IMAGE_POLL_SECONDS: '0',
      REGISTRY_CREDENTIALS: JSON.stringify({ [registry.host]: login }),
      EGRESS_ALLOWED_CIDRS: '127.0.0.1/32',
    });
    const idle: BuildExecutor = { execute: () => new Promise(() => undefined) };
    app = await NestFactory.createApplicationContext(BuildsModule.forConfig(config, { executor: idle }), { logger: false });
    await app.init();
    await respond('jobs', JobsSubjects.getJobForAutoRebase, (request: { accountId: string; jobId: string }) => {
      const job = jobs.get(request.jobId);
      if (!job || job.accountId !== request.accountId) throw new Error('package job not found');
      return job;
    });
    await respond('artifacts', ArtifactsSubjects.rebuildGrant, (request: { sha256: string }) => {
      grantsAsked.push(request);
      return { grant: `grant-for-${request.sha256}`, sha256: request.sha256 };
    });
    // The URL a started build asks for with its grant (no attestation key here: nothing downloads it).
    await respond('artifacts', ArtifactsSubjects.buildDownloadUrl, () => ({
      url: 'http://127.0.0.1:1/never-read',
      expiresAt: '2999-01-01T00:00:00Z',
      sha256: 'a'.repeat(64),
      sizeBytes: 1,
    }));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(responders.map((connection) => connection.close()));
    await app?.close();
    await database?.drop();
    await registry?.stop();
    await new Promise((resolve) => failing?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A job whose latest build SUCCEEDED on `baseImage` at `baseDigest`. */
  const succeededJob = async (
    baseImage: string,
    baseDigest: string,
    autoRebase: boolean,
    scope: { accountId?: string; enterpriseProjectId?: string; jobName?: string } = {},
  ) => {
    const build = queuedBuild(
      {
        clusterId: randomUUID(),
        packageSha256: 'a'.repeat(64),
        ...(scope.accountId && { accountId: scope.accountId }),
        ...(scope.enterpriseProjectId && { enterpriseProjectId: scope.enterpriseProjectId }),
      },
      { jobName: scope.jobName ?? 'job' },
    );
    jobs.set(build.jobId, { id: build.jobId, accountId: build.accountId, autoRebase });
    const { id } = await app.get(BuildRepository).create(build);
    await app
      .get(DataSource)
      .query(
        `UPDATE builds SET status = 'SUCCEEDED', finished_at = now(), image_digest = $2, base_image = $3, base_image_digest = $4 WHERE id = $1`,
        [id, `sha256:${'b'.repeat(64)}`, baseImage, baseDigest],
      );
    return { jobId: build.jobId, buildId: id };
  };
  const buildsOf = async (jobId: string) =>
    app.get(DataSource).query<
      {
        id: string;
        number: number;
        status: string;
        trigger: string;
        base_change: Record<string, string> | null;
        package_grant: string;
      }[]
    >('SELECT id, number, status, trigger, base_change, package_grant FROM builds WHERE job_id = $1 ORDER BY number', [jobId]);

  it('queues exactly one BASE_IMAGE_CHANGED build for an opted-in job when its base moves, none for a job not opted in', async () => {
    const base = `${registry.host}/base/java:17`;
    const first = await pushTinyImage(client, 'base/java', { family: 'oci', text: 'base 1', tag: '17' });
    const opted = await succeededJob(base, first.digest, true);
    const notOpted = await succeededJob(base, first.digest, false);
    const watcher = app.get(BaseImageWatcher);

    // Unchanged: nothing to do.
    expect(await watcher.poll(NOW)).toMatchObject({ ran: true, checked: 1, changed: 0, queued: [] });

    const second = await pushTinyImage(client, 'base/java', { family: 'oci', text: 'base 2', tag: '17' });
    expect(second.digest).not.toBe(first.digest);
    const pass = await watcher.poll(new Date(NOW.getTime() + MINUTE));
    expect(pass).toMatchObject({ checked: 1, changed: 2 });
    expect(pass.queued).toHaveLength(1);

    const [, rebuilt] = await buildsOf(opted.jobId);
    expect(rebuilt).toMatchObject({
      id: pass.queued[0],
      number: 2,
      status: 'QUEUED',
      trigger: 'BASE_IMAGE_CHANGED',
      base_change: {
        baseImage: base,
        previousDigest: first.digest,
        newDigest: second.digest,
        imageDigest: `sha256:${'b'.repeat(64)}`,
        previousBuildId: opted.buildId,
      },
      package_grant: `grant-for-${'a'.repeat(64)}`,
    });
    expect((await buildsOf(notOpted.jobId)).map((build) => build.trigger)).toEqual(['MANUAL']);
    const log = await app.get(BuildLogStore).read(rebuilt.id, 0, 10_000, false);
    expect(log.text).toContain(`the base image ${base} changed (${first.digest} → ${second.digest})`);

    // Again: the job has an unfinished build now, and the other is still not opted in.
    expect((await watcher.poll(new Date(NOW.getTime() + 2 * MINUTE))).queued).toEqual([]);
    // Even once that build failed (the last SUCCEEDED build is still on the old base): one build per new digest.
    await app.get(DataSource).query(`UPDATE builds SET status = 'FAILED', finished_at = now() WHERE id = $1`, [rebuilt.id]);
    const after = await watcher.poll(new Date(NOW.getTime() + 3 * MINUTE));
    expect(after).toMatchObject({ changed: 2, queued: [] });
    expect(await buildsOf(opted.jobId)).toHaveLength(2);
  }, 60_000);

  it('backs off a base whose registry fails: no request before its time, then 1, 2 … minutes apart', async () => {
    const port = (failing.address() as { port: number }).port;
    const base = `127.0.0.1:${port}/base/flaky:1`;
    await succeededJob(base, `sha256:${'c'.repeat(64)}`, true);
    const watcher = app.get(BaseImageWatcher);
    const at = (minutes: number) => new Date(NOW.getTime() + 10 * MINUTE + minutes * MINUTE);
    const checkOf = async () =>
      (
        await app
          .get(DataSource)
          .query<
            { failures: number; next_check_at: Date }[]
          >('SELECT failures, next_check_at FROM base_image_checks WHERE base_image = $1', [base])
      )[0];

    expect(await watcher.poll(at(0))).toMatchObject({ failed: 1, queued: [] });
    const hitsAfterFirst = failingHits;
    expect(hitsAfterFirst).toBeGreaterThan(0);
    expect(await checkOf()).toMatchObject({ failures: 1, next_check_at: at(1) });

    // Before its minute is up the registry is not asked at all.
    expect(await watcher.poll(at(0.5))).toMatchObject({ postponed: 1, failed: 0 });
    expect(failingHits).toBe(hitsAfterFirst);

    // Then it is, and the next wait doubles.
    expect(await watcher.poll(at(1))).toMatchObject({ failed: 1 });
    expect(failingHits).toBeGreaterThan(hitsAfterFirst);
    expect(await checkOf()).toMatchObject({ failures: 2, next_check_at: at(3) });
    const hitsAfterSecond = failingHits;
    expect(await watcher.poll(at(2.9))).toMatchObject({ postponed: 1 });
    expect(failingHits).toBe(hitsAfterSecond);
  }, 60_000);

  it('dry run: lists the jobs on a base in the projects where the caller may list and read builds, with the digest they recorded', async () => {
    const account = randomUUID();
    const [mine, theirs] = [randomUUID(), randomUUID()];
    const base = `${registry.host}/base/python:3.13`;
    const digest = `sha256:${'d'.repeat(64)}`;
    const orders = await succeededJob(base, digest, true, { accountId: account, enterpriseProjectId: mine, jobName: 'orders' });
    await succeededJob(base, digest, true, { accountId: account, enterpriseProjectId: theirs, jobName: 'billing' });
    await succeededJob(base, digest, true, { enterpriseProjectId: mine, jobName: 'another-account' });
    await succeededJob(`${registry.host}/base/python:3.12`, digest, true, { accountId: account, enterpriseProjectId: mine });
    const grants = [
      {
        policy: { id: 'p', name: 'p', statements: [{ effect: 'ALLOW' as const, actions: ['servicestage:assembling:*'] }] },
        enterpriseProjectIds: [mine],
      },
    ];
    const caller = new Caller('user-1', account, false, buildAbility(compilePolicies(grants, false)), { token: 't' });
    expect(await app.get(BaseImageImpactService).of(caller, base)).toEqual([
      {
        jobId: orders.jobId,
        jobName: 'orders',
        enterpriseProjectId: mine,
        buildId: orders.buildId,
        recordedDigest: digest,
        buildType: 'SYSTEM_DEFAULT',
      },
    ]);
  });

  it('runs the queued build as a rebase: the app layer kept, the new base under it, and the new base recorded', async () => {
    const base = `${registry.host}/base/node:lts`;
    const v1 = await pushHostNodeImage(client, 'base/node', 'lts', join(dir, 'v1.layer'));
    const pkg = join(dir, 'hello.zip');
    await writeFile(pkg, buildZip([{ name: 'server.js', content: "console.log('hello')\n" }]));
    const assembled = await new ImageAssembler({
      clientFactory: ({ registry: host, signal }) => new RegistryClient({ registry: host, credentials: login, signal }),
    }).assemble({ baseImage: base, targetImage: `${registry.host}/apps/hello:1`, packageFile: pkg, techStack: 'NODEJS' });
    const appLayer = assembled.layers.at(-1)!.digest;

    const build = queuedBuild(
      { clusterId: randomUUID(), packageSha256: 'a'.repeat(64) },
      {
        techStack: 'NODEJS',
        buildSpec: { type: 'IMAGE', baseImage: base, baseImageTag: null, dockerfile: null },
        archiveImage: `${registry.host}/apps/hello:1`,
      },
    );
    jobs.set(build.jobId, { id: build.jobId, accountId: build.accountId, autoRebase: true });
    const { id } = await app.get(BuildRepository).create(build);
    await app
      .get(DataSource)
      .query(
        `UPDATE builds SET status = 'SUCCEEDED', finished_at = now(), image_digest = $2, base_image = $3, base_image_digest = $4 WHERE id = $1`,
        [id, assembled.digest, base, v1.digest],
      );

    const v2 = await pushHostNodeImage(client, 'base/node', 'lts', join(dir, 'v2.layer'), [
      { type: 'file', path: '/etc/base-release', mode: 0o644, size: 2, open: () => Readable.from([Buffer.from('v2')]) },
    ]);
    const pass = await app.get(BaseImageWatcher).poll(new Date(NOW.getTime() + 60 * MINUTE));
    expect(pass.queued).toHaveLength(1);
    const [rebaseId] = pass.queued;

    const runner = app.get(BuildRunner);
    await app
      .get(DataSource)
      .query(
        `UPDATE builds SET status = 'SCHEDULING', runner_id = $2, lease_expires_at = now() + interval '1 hour' WHERE id = $1`,
        [rebaseId, runner.id],
      );
    await runner.launch(await app.get(BuildRepository).get(rebaseId), 'local');
    const rebased = await app.get(BuildRepository).get(rebaseId);
    expect([rebased.status, rebased.reason, rebased.trigger]).toEqual(['SUCCEEDED', null, 'BASE_IMAGE_CHANGED']);
    expect([rebased.baseImage, rebased.baseImageDigest]).toEqual([base, v2.digest]);
    expect(rebased.imageDigest).not.toBe(assembled.digest);

    const manifest = await client.getManifest('apps/hello', rebased.imageDigest!);
    const v2Layers = (await client.getManifest('base/node', v2.digest)).body.layers.map((layer) => layer.digest);
    expect(manifest.body.layers.map((layer) => layer.digest)).toEqual([...v2Layers, appLayer]);
    expect(manifest.body.annotations?.[OCI_LABELS.baseDigest]).toBe(v2.digest);
    expect(await client.headManifest('apps/hello', '1')).toMatchObject({ digest: rebased.imageDigest });
    const log = await app.get(BuildLogStore).read(rebaseId, 0, 100_000, true);
    expect(log.text).toContain('Rebasing apps/hello@');
    expect(log.text).toContain('app layers unchanged');
  }, 180_000);
});
