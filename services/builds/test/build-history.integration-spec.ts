import { createHash, randomUUID } from 'node:crypto';

import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@stagecraft/config';
import { ALL_BUILD_EVENTS, BUILD_EVENTS_STREAM, type BuildStatus } from '@stagecraft/contracts';
import { JetStreamStreams, NatsRpcClient } from '@stagecraft/messaging';
import { RegistryClient } from '@stagecraft/oci';
import { pushTinyImage, startTestRegistry, type TestRegistry } from '@stagecraft/oci/testing';
import { createTestDatabase, type TestDatabase, testNatsSettings, testSubjectPrefix } from '@stagecraft/testing';
import { DataSource } from 'typeorm';

import { BuildsModule } from '../src/builds.module';
import { BuildEventsRelay } from '../src/builds/build-events.relay';
import { BuildHistoryPruner } from '../src/builds/build-history.pruner';
import { JobDeletedError } from '../src/builds/domain/build-records';
import type { BuildExecutor } from '../src/builds/executors/build-executor';
import { BuildRepository } from '../src/builds/infra/build.repository';
import { BuildRetentionStore } from '../src/builds/infra/build-retention.store';
import { PrunedImageRemover } from '../src/builds/pruned-image.remover';
import { BuildsConfig } from '../src/config';
import { queuedBuild } from './queued-build';

/** The pruner's clock: every pass is made as of this instant, not the machine's. */
const NOW = new Date('2026-12-05T12:00:00.000Z');
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);
const sha256Of = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('build history: pruning finished builds by count and age (real Postgres, a fixed clock)', () => {
  let database: TestDatabase;
  let app: INestApplicationContext;
  let registry: TestRegistry;
  const subjectPrefix = testSubjectPrefix();
  const registryLogin = { username: 'stagecraft', password: randomUUID() };
  const clusterId = randomUUID();

  beforeAll(async () => {
    database = await createTestDatabase('buildhistory');
    registry = await startTestRegistry({ basicAuth: registryLogin });
    const config = loadConfig(BuildsConfig, {
      DATABASE_URL: database.url,
      ...testNatsSettings('builds', subjectPrefix),
      // Nothing is scheduled or pruned by a timer here: the test sets each build's end itself.
      BUILD_SCHEDULER_INTERVAL_MS: '3600000',
      BUILD_HISTORY_PRUNE_INTERVAL_SECONDS: '3600',
      BUILD_HISTORY_KEEP_SUCCEEDED: '2',
      BUILD_HISTORY_KEEP_FAILED: '1',
      BUILD_HISTORY_MAX_AGE_DAYS: '7',
      REGISTRY_CREDENTIALS: JSON.stringify({ [registry.host]: registryLogin }),
      EGRESS_ALLOWED_CIDRS: '127.0.0.1/32',
    });
    const idle: BuildExecutor = { execute: () => new Promise(() => undefined) };
    app = await NestFactory.createApplicationContext(BuildsModule.forConfig(config, { executor: idle }), { logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
    await registry?.stop();
  });

  /** A job's builds, numbered 1, 2, … in this order, each ended (or not) as given. */
  const jobWith = (...builds: { status: BuildStatus; finishedDaysAgo?: number }[]) =>
    jobOf({ jobId: randomUUID(), enterpriseProjectId: randomUUID() }, ...builds);
  const jobOf = async (
    job: { jobId: string; enterpriseProjectId: string },
    ...builds: { status: BuildStatus; finishedDaysAgo?: number }[]
  ) => {
    const ids: string[] = [];
    for (const build of builds) {
      const { id } = await app.get(BuildRepository).create(queuedBuild({ ...job, clusterId, packageSha256: 'unused' }));
      const finished = build.finishedDaysAgo === undefined ? null : daysAgo(build.finishedDaysAgo);
      await app
        .get(DataSource)
        .query('UPDATE builds SET status = $2, finished_at = $3 WHERE id = $1', [id, build.status, finished]);
      await app.get(DataSource).query(`INSERT INTO build_log_chunks (build_id, "offset", text) VALUES ($1, 0, 'a line\n')`, [id]);
      ids.push(id);
    }
    return ids;
  };
  /** How many events of each of these builds the BUILD_EVENTS stream holds, once the outbox is relayed. */
  const storedEvents = async (ids: string[]) => {
    await app.get(BuildEventsRelay).flush();
    const jsm = await app.get(NatsRpcClient).connection.jetstreamManager();
    const stream = JetStreamStreams.nameFor(subjectPrefix, BUILD_EVENTS_STREAM);
    const info = await jsm.streams.info(stream, { subjects_filter: `${subjectPrefix}${ALL_BUILD_EVENTS}` });
    const counts = new Map<string, number>();
    for (const [subject, count] of Object.entries(info.state.subjects ?? {}))
      counts.set(subject.split('.').at(-2)!, (counts.get(subject.split('.').at(-2)!) ?? 0) + count);
    return ids.map((id) => counts.get(id) ?? 0);
  };
  const remaining = async (ids: string[]) => {
    const rows: { id: string }[] = await app.get(DataSource).query('SELECT id FROM builds WHERE id = ANY($1)', [ids]);
    return ids.map((id, i) => (rows.some((row) => row.id === id) ? i + 1 : null)).filter((n) => n !== null);
  };

  it('takes its policy from the platform settings', () => {
    expect(app.get(BuildHistoryPruner).policy).toEqual({ keepSucceeded: 2, keepFailed: 1, maxAgeDays: 7, deleteImages: false });
  });

  it('keeps the newest N succeeded and N failed, older ones by age, never a running build or the ones a job cannot lose', async () => {
    // One day old each: only the counts decide.
    const counted = await jobWith(
      { status: 'SUCCEEDED', finishedDaysAgo: 1 }, // #1: third-newest succeeded → pruned
      { status: 'FAILED', finishedDaysAgo: 1 }, // #2: second-newest of the other ends → pruned
      { status: 'SUCCEEDED', finishedDaysAgo: 1 }, // #3: kept (2 succeeded)
      { status: 'TIMED_OUT', finishedDaysAgo: 1 }, // #4: kept (the newest failed)
      { status: 'SUCCEEDED', finishedDaysAgo: 1 }, // #5: kept
      { status: 'RUNNING' }, // #6: never
    );
    // Old builds go by age, except the newest succeeded one and the job's newest build.
    const aged = await jobWith(
      { status: 'SUCCEEDED', finishedDaysAgo: 30 }, // #1: the newest succeeded → kept however old
      { status: 'CANCELLED', finishedDaysAgo: 8 }, // #2: older than 7 days → pruned
      { status: 'EXPIRED', finishedDaysAgo: 6 }, // #3: younger → kept (and the newest of the job)
    );
    const lone = await jobWith({ status: 'ERROR', finishedDaysAgo: 90 }); // the job's only build → kept
    // Each build's queued event is in the stream.
    expect(await storedEvents([...counted, ...aged])).toEqual(Array(9).fill(1));

    const pruned = await app.get(BuildHistoryPruner).prune(NOW);

    expect(await remaining(counted)).toEqual([3, 4, 5, 6]);
    expect(await remaining(aged)).toEqual([1, 3]);
    expect(await remaining(lone)).toEqual([1]);
    expect(pruned.sort()).toEqual([counted[0], counted[1], aged[1]].sort());
    // Their logs went with them.
    const chunks = await app
      .get(DataSource)
      .query('SELECT count(*)::int AS n FROM build_log_chunks WHERE build_id = ANY($1)', [pruned]);
    expect(chunks[0].n).toBe(0);
    // So did their events in the BUILD_EVENTS stream; the kept builds' stay.
    expect(await storedEvents([...counted, ...aged])).toEqual([0, 0, 1, 1, 1, 1, 1, 0, 1]);
    // A second pass as of the same instant finds nothing more.
    expect(await app.get(BuildHistoryPruner).prune(NOW)).toEqual([]);
  });

  it('keeps numbering jobs after pruning: the newest build of a job is never pruned, so its number is not given again', async () => {
    const [first, second] = await jobWith({ status: 'FAILED', finishedDaysAgo: 20 }, { status: 'FAILED', finishedDaysAgo: 20 });
    await app.get(BuildHistoryPruner).prune(NOW);
    expect(await remaining([first, second])).toEqual([2]);
    const jobId = (await app.get(DataSource).query('SELECT job_id FROM builds WHERE id = $1', [second]))[0].job_id;
    const next = await app.get(BuildRepository).create(queuedBuild({ jobId, clusterId, packageSha256: 'unused' }));
    expect(next.number).toBe(3);
  });

  it('prunes nothing when every rule is off', async () => {
    const old = await jobWith({ status: 'FAILED', finishedDaysAgo: 400 }, { status: 'FAILED', finishedDaysAgo: 400 });
    expect(
      await app.get(BuildRepository).pruneHistory({ keepSucceeded: 0, keepFailed: 0, maxAgeDays: 0, deleteImages: false }, NOW),
    ).toEqual([]);
    expect(await remaining(old)).toEqual([1, 2]);
  });

  describe('policies of jobs and projects', () => {
    const accountId = randomUUID();
    const userId = randomUUID();
    const failedYesterday = { status: 'FAILED', finishedDaysAgo: 1 } as const;

    it("prunes each job by its own policy, else its project's, else the platform's", async () => {
      const projectId = randomUUID();
      const store = app.get(BuildRetentionStore);
      const own = { jobId: randomUUID(), enterpriseProjectId: projectId };
      const inherits = { jobId: randomUUID(), enterpriseProjectId: projectId };
      const elsewhere = { jobId: randomUUID(), enterpriseProjectId: randomUUID() };
      // Five FAILED builds each, a day old: the platform keeps the newest one (keepFailed 1).
      const five = Array.from({ length: 5 }, () => failedYesterday);
      const [ownIds, inheritedIds, elsewhereIds] = [
        await jobOf(own, ...five),
        await jobOf(inherits, ...five),
        await jobOf(elsewhere, ...five),
      ];
      // The project keeps 3 failed builds, the job 4 of its own.
      await store.set(
        { accountId, enterpriseProjectId: projectId },
        { keepSucceeded: 0, keepFailed: 3, maxAgeDays: 0, deleteImages: false },
        userId,
      );
      await store.set({ accountId, ...own }, { keepSucceeded: 0, keepFailed: 4, maxAgeDays: 0, deleteImages: false }, userId);

      await app.get(BuildHistoryPruner).prune(NOW);

      expect(await remaining(ownIds)).toEqual([2, 3, 4, 5]);
      expect(await remaining(inheritedIds)).toEqual([3, 4, 5]);
      expect(await remaining(elsewhereIds)).toEqual([5]);
      expect(await store.effective(projectId, own.jobId)).toMatchObject({ keepFailed: 4, source: 'JOB', jobId: own.jobId });
      expect(await store.effective(projectId, inherits.jobId)).toMatchObject({ keepFailed: 3, source: 'PROJECT' });
      expect(await store.effective(projectId)).toMatchObject({ keepFailed: 3, source: 'PROJECT', jobId: null });
      expect(await store.effective(elsewhere.enterpriseProjectId, elsewhere.jobId)).toEqual({
        keepSucceeded: 2,
        keepFailed: 1,
        maxAgeDays: 7,
        deleteImages: false,
        enterpriseProjectId: elsewhere.enterpriseProjectId,
        jobId: elsewhere.jobId,
        source: 'PLATFORM',
      });
    });

    it("a job's policy is whole: its rules turned off keep everything even where its project's would prune", async () => {
      const projectId = randomUUID();
      const store = app.get(BuildRetentionStore);
      const job = { jobId: randomUUID(), enterpriseProjectId: projectId };
      const ids = await jobOf(job, { status: 'FAILED', finishedDaysAgo: 40 }, failedYesterday, failedYesterday);
      await store.set(
        { accountId, enterpriseProjectId: projectId },
        { keepSucceeded: 1, keepFailed: 1, maxAgeDays: 30, deleteImages: false },
        userId,
      );
      await store.set({ accountId, ...job }, { keepSucceeded: 0, keepFailed: 0, maxAgeDays: 0, deleteImages: false }, userId);
      await app.get(BuildHistoryPruner).prune(NOW);
      expect(await remaining(ids)).toEqual([1, 2, 3]);

      // Cleared, the job follows its project's again.
      expect(await store.set({ accountId, ...job }, null, userId)).toMatchObject({ source: 'PROJECT', keepFailed: 1 });
      await app.get(BuildHistoryPruner).prune(NOW);
      expect(await remaining(ids)).toEqual([3]);
    });

    it("goes with the job: deleting a job's builds deletes its policy, and none is set on it afterwards", async () => {
      const job = { jobId: randomUUID(), enterpriseProjectId: randomUUID() };
      await jobOf(job, failedYesterday);
      const store = app.get(BuildRetentionStore);
      await store.set({ accountId, ...job }, { keepSucceeded: 5, keepFailed: 5, maxAgeDays: 5, deleteImages: false }, userId);
      const [{ account_id: jobAccount }] = await app
        .get(DataSource)
        .query('SELECT account_id FROM builds WHERE job_id = $1', [job.jobId]);
      await app.get(BuildRepository).deleteJobBuilds(jobAccount, job.jobId);
      const rows = await app.get(DataSource).query('SELECT 1 FROM build_retention WHERE job_id = $1', [job.jobId]);
      expect(rows).toEqual([]);
      await expect(
        store.set({ accountId, ...job }, { keepSucceeded: 1, keepFailed: 1, maxAgeDays: 1, deleteImages: false }, userId),
      ).rejects.toThrow(JobDeletedError);
    });
  });

  describe("deleting pruned builds' images (a real registry with a login, through the egress policy)", () => {
    const accountId = randomUUID();
    const userId = randomUUID();
    let client: RegistryClient;
    beforeAll(() => {
      client = new RegistryClient({ registry: registry.host, credentials: registryLogin });
    });

    /** A job whose builds pushed these digests to `archiveImage` (null: ended without an image, or has not ended). */
    const jobThatPushed = async (
      job: { jobId: string; enterpriseProjectId: string },
      archiveImage: string,
      ...builds: { status: BuildStatus; digest: string | null }[]
    ) => {
      const ids: string[] = [];
      for (const build of builds) {
        const { id } = await app
          .get(BuildRepository)
          .create(queuedBuild({ ...job, accountId, clusterId, packageSha256: 'unused' }, { archiveImage }));
        const finished = build.status === 'RUNNING' ? null : daysAgo(1);
        await app
          .get(DataSource)
          .query('UPDATE builds SET status = $2, finished_at = $3, image_digest = $4 WHERE id = $1', [
            id,
            build.status,
            finished,
            build.digest,
          ]);
        ids.push(id);
      }
      return ids;
    };
    const deleting = { keepSucceeded: 1, keepFailed: 1, maxAgeDays: 0, deleteImages: true };
    const queued = async (): Promise<{ attempts: number; last_error: string | null }[]> =>
      app.get(DataSource).query('SELECT attempts, last_error FROM pruned_images ORDER BY created_at');

    it('deletes what pruned builds pushed, never a digest a kept build pushed, and nothing where the policy keeps images', async () => {
      const repository = 'shop/orders';
      const archive = `${registry.host}/${repository}:1.0.0`;
      const old = await pushTinyImage(client, repository, { family: 'oci', text: 'old', tag: 'old' });
      const shared = await pushTinyImage(client, repository, { family: 'oci', text: 'shared', tag: '1.0.0' });
      const job = { jobId: randomUUID(), enterpriseProjectId: randomUUID() };
      await app.get(BuildRetentionStore).set({ accountId, ...job }, deleting, userId);
      // #1 pushed `old`; #2 and #3 pushed the same digest (the same package: deterministic layers); #4 failed before pushing.
      const ids = await jobThatPushed(
        job,
        archive,
        { status: 'SUCCEEDED', digest: old.digest },
        { status: 'SUCCEEDED', digest: shared.digest },
        { status: 'FAILED', digest: null },
        { status: 'SUCCEEDED', digest: shared.digest },
        { status: 'FAILED', digest: null },
      );
      // Another job keeps its images (the platform's policy), whatever it prunes.
      const keeping = { jobId: randomUUID(), enterpriseProjectId: randomUUID() };
      const theirs = await pushTinyImage(client, 'shop/theirs', { family: 'oci', text: 'theirs', tag: '1' });
      const mine = await pushTinyImage(client, 'shop/theirs', { family: 'oci', text: 'mine', tag: '2' });
      await jobThatPushed(
        keeping,
        `${registry.host}/shop/theirs:1`,
        ...Array.from({ length: 3 }, () => ({ status: 'SUCCEEDED' as const, digest: theirs.digest })),
        { status: 'SUCCEEDED', digest: mine.digest },
      );

      await app.get(BuildHistoryPruner).prune(NOW);
      expect(await remaining(ids)).toEqual([4, 5]);
      const pass = await app.get(PrunedImageRemover).removeDue(NOW);

      expect(pass).toEqual({ deleted: 1, kept: 1, postponed: 0, abandoned: 0 });
      expect(await client.headManifest(repository, old.digest)).toBeNull();
      expect(await client.headManifest(repository, 'old')).toBeNull();
      expect(await client.headManifest(repository, '1.0.0')).toMatchObject({ digest: shared.digest });
      expect(await client.headManifest('shop/theirs', theirs.digest)).not.toBeNull();
      expect(await queued()).toEqual([]);
    });

    it('waits while a build that may push to the repository is unfinished', async () => {
      const repository = 'shop/busy';
      const pruned = await pushTinyImage(client, repository, { family: 'oci', text: 'pruned', tag: 'a' });
      const job = { jobId: randomUUID(), enterpriseProjectId: randomUUID() };
      await app.get(BuildRetentionStore).set({ accountId, ...job }, deleting, userId);
      await jobThatPushed(
        job,
        `${registry.host}/${repository}:a`,
        { status: 'SUCCEEDED', digest: pruned.digest },
        { status: 'SUCCEEDED', digest: sha256Of('newer') },
        { status: 'RUNNING', digest: null },
      );
      await app.get(BuildHistoryPruner).prune(NOW);
      expect(await app.get(PrunedImageRemover).removeDue(NOW)).toEqual({ deleted: 0, kept: 0, postponed: 1, abandoned: 0 });
      expect(await client.headManifest(repository, pruned.digest)).not.toBeNull();
      expect(await queued()).toEqual([{ attempts: 0, last_error: null }]);
      await app.get(DataSource).query('DELETE FROM pruned_images');
    });

    it('asks nothing of a registry the egress policy does not allow, and tries again later', async () => {
      // Loopback, but not 127.0.0.1/32: the policy refuses it before any connection.
      const elsewhere = `127.0.0.2:${registry.port}`;
      const job = { jobId: randomUUID(), enterpriseProjectId: randomUUID() };
      await app.get(BuildRetentionStore).set({ accountId, ...job }, deleting, userId);
      await jobThatPushed(
        job,
        `${elsewhere}/shop/app:1`,
        { status: 'SUCCEEDED', digest: sha256Of('one') },
        { status: 'SUCCEEDED', digest: sha256Of('two') },
      );
      await app.get(BuildHistoryPruner).prune(NOW);
      expect(await app.get(PrunedImageRemover).removeDue(NOW)).toEqual({ deleted: 0, kept: 0, postponed: 1, abandoned: 0 });
      const [row] = await queued();
      expect(row.attempts).toBe(1);
      expect(row.last_error).toMatch(/not allowed by the egress policy/);
      // Not due again until its backoff has passed.
      expect(await app.get(PrunedImageRemover).removeDue(NOW)).toEqual({ deleted: 0, kept: 0, postponed: 0, abandoned: 0 });
      await app.get(DataSource).query('DELETE FROM pruned_images');
    });
  });
});
