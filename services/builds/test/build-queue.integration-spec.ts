import { randomUUID } from 'node:crypto';

import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { buildAbility, Caller, compilePolicies, type PolicyStatement } from '@stagecraft/authz';
import { loadConfig } from '@stagecraft/config';
import type { BuildStatus } from '@stagecraft/contracts';
import {
  createTestDatabase,
  eventually,
  stopAfterEach,
  type TestDatabase,
  testNatsSettings,
  testSubjectPrefix,
} from '@stagecraft/testing';
import { DataSource } from 'typeorm';

import { BuildsModule } from '../src/builds.module';
import { BuildRunner } from '../src/builds/build-runner';
import { BuildsService } from '../src/builds/builds.service';
import type { BuildExecutor, BuildStop, ExecutionOutcome } from '../src/builds/executors/build-executor';
import type { BuildEntity } from '../src/builds/infra/build.entity';
import { BuildRepository } from '../src/builds/infra/build.repository';
import { BuildsConfig } from '../src/config';
import { queuedBuild } from './queued-build';

/** An executor the test controls: each build runs until the test ends it, or until it is aborted. */
class ScriptedExecutor implements BuildExecutor {
  readonly started: string[] = [];
  readonly aborted: { id: string; why: string }[] = [];
  private readonly finishers = new Map<string, (outcome: ExecutionOutcome) => void>();

  execute(build: BuildEntity, _hooks: unknown, signal: AbortSignal): Promise<ExecutionOutcome> {
    this.started.push(build.id);
    return new Promise((resolve, reject) => {
      this.finishers.set(build.id, resolve);
      // Stopped before it started (a shutdown while the build was being scheduled): it ends at once, as a real executor's does.
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener('abort', () => {
        this.aborted.push({ id: build.id, why: (signal.reason as BuildStop).why });
        reject(signal.reason);
      });
    });
  }

  finish(buildId: string, outcome: ExecutionOutcome): void {
    this.finishers.get(buildId)?.(outcome);
  }
}

/** Whose builds the replica tests cancel: the caller below may modify builds in its project. */
const OWNER = { accountId: randomUUID(), enterpriseProjectId: randomUUID() };

describe('the build queue (real Postgres and NATS, a scripted executor)', () => {
  let database: TestDatabase;
  const prefix = testSubjectPrefix();
  const clusterId = randomUUID();
  const jobId = randomUUID();
  let app: INestApplicationContext;
  // Every app a test starts is closed after it, in the order started (the one a restart replaced first).
  const stopLater = stopAfterEach();
  let executor: ScriptedExecutor;

  const start = async (env: Record<string, string> = {}) => {
    executor = new ScriptedExecutor();
    const config = loadConfig(BuildsConfig, {
      DATABASE_URL: database.url,
      ...testNatsSettings('builds', prefix),
      BUILD_CONCURRENCY_PER_CLUSTER: '1',
      BUILD_SCHEDULER_INTERVAL_MS: '50',
      ...env,
    });
    app = await NestFactory.createApplicationContext(BuildsModule.forConfig(config, { executor }), { logger: false });
    const started = app;
    stopLater(() => started.close());
    await app.init();
  };
  const status = async (id: string): Promise<BuildStatus> =>
    (await app.get(DataSource).query('SELECT status FROM builds WHERE id = $1', [id]))[0].status;
  /** The build's status once it is `wanted` (or the last one read, when it does not get there in time). */
  const statusReaching = (id: string, wanted: BuildStatus, timeoutMs?: number) =>
    eventually(
      () => status(id),
      (s) => s === wanted,
      { timeoutMs },
    );
  const reasonOf = async (id: string): Promise<string | null> =>
    (await app.get(DataSource).query('SELECT reason FROM builds WHERE id = $1', [id]))[0].reason;
  const queue = async (owner: { accountId: string; enterpriseProjectId: string } | object = {}) => {
    const build = await app.get(BuildRepository).create(
      queuedBuild({
        jobId,
        clusterId,
        packageUrl: 'http://127.0.0.1:1/unused',
        packageSha256: 'unused',
        ...owner,
      }),
    );
    return build.id;
  };

  beforeAll(async () => {
    database = await createTestDatabase('buildqueue');
  });
  afterAll(async () => {
    await database.drop();
  });

  it('runs one build per cluster at a time and numbers them per job', async () => {
    await start();
    const first = await queue();
    const second = await queue();
    expect(await statusReaching(first, 'RUNNING')).toBe('RUNNING');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await status(second)).toBe('QUEUED');
    executor.finish(first, { status: 'SUCCEEDED', imageDigest: `sha256:${'a'.repeat(64)}`, image: 'x' });
    expect(await statusReaching(second, 'RUNNING')).toBe('RUNNING');
    expect(await status(first)).toBe('SUCCEEDED');
    executor.finish(second, { status: 'FAILED', reason: 'BASE_IMAGE_NOT_FOUND', message: 'no such base image' });
    expect(await statusReaching(second, 'FAILED')).toBe('FAILED');
    expect(await reasonOf(second)).toBe('BASE_IMAGE_NOT_FOUND');
    const numbers = await app
      .get(DataSource)
      .query('SELECT number FROM builds WHERE id = ANY($1) ORDER BY number', [[first, second]]);
    expect(numbers.map((row: { number: number }) => row.number)).toEqual([1, 2]);
  });

  it('stops a build at its deadline: TIMED_OUT', async () => {
    await start({ BUILD_DEADLINE_SECONDS: '1' });
    const id = await queue();
    expect(await statusReaching(id, 'TIMED_OUT', 15_000)).toBe('TIMED_OUT');
    expect(await reasonOf(id)).toBe('DEADLINE_EXCEEDED');
  });

  it('expires a build that waited too long in the queue', async () => {
    await start({ BUILD_QUEUE_TIMEOUT_SECONDS: '1' });
    const running = await queue();
    await statusReaching(running, 'RUNNING');
    const waiting = await queue();
    expect(await statusReaching(waiting, 'EXPIRED', 15_000)).toBe('EXPIRED');
    expect(await reasonOf(waiting)).toBe('QUEUE_TIMEOUT');
    executor.finish(running, { status: 'SUCCEEDED', imageDigest: `sha256:${'b'.repeat(64)}`, image: 'x' });
    await statusReaching(running, 'SUCCEEDED');
  });

  it('after a restart, ends what a dead process was running as ERROR/EXECUTOR_LOST, and leaves nothing RUNNING', async () => {
    await start();
    const id = await queue();
    await statusReaching(id, 'RUNNING');
    // The process dies without finishing it: its executor never reports, nothing stops it cleanly,
    // and its lease is never renewed again (a runner that is gone, its lease run out). Dead, it
    // does nothing more: its ticks fail from here on. Until one has, a tick in progress could still
    // claim the build back once its lease is run out below, as a live replica rightly would.
    const renewals = jest.spyOn(app.get(BuildRepository), 'renewLeases').mockRejectedValue(new Error('process gone'));
    await eventually(
      () => Promise.resolve(renewals.mock.calls.length),
      (calls) => calls > 0,
    );
    await app
      .get(DataSource)
      .query(
        `UPDATE builds SET status = 'RUNNING', runner_id = gen_random_uuid(), lease_expires_at = now() - interval '1 second' WHERE id = $1`,
        [id],
      );
    await start();
    expect(await statusReaching(id, 'ERROR')).toBe('ERROR');
    expect(await reasonOf(id)).toBe('EXECUTOR_LOST');
  });

  describe('two replicas on one database', () => {
    const statements: PolicyStatement[] = [{ effect: 'ALLOW', actions: ['servicestage:*:*'] }];
    const grants = [{ policy: { id: 'p', name: 'p', statements }, enterpriseProjectIds: [OWNER.enterpriseProjectId] }];
    const caller = new Caller('user-1', OWNER.accountId, false, buildAbility(compilePolicies(grants, false)), {
      token: 'token-1',
    });
    const leaseOf = async (id: string): Promise<{ runner_id: string | null; lease_expires_at: Date | null }> =>
      (await app.get(DataSource).query('SELECT runner_id, lease_expires_at FROM builds WHERE id = $1', [id]))[0];

    it("leaves a live replica's build to it when another starts, and takes it over once its lease runs out", async () => {
      await start({ BUILD_LEASE_SECONDS: '2' });
      const first = app;
      const firstExecutor = executor;
      const id = await queue(OWNER);
      await statusReaching(id, 'RUNNING');
      const { runner_id: owner } = await leaseOf(id);
      expect(owner).toBe(first.get(BuildRunner).id);

      await start({ BUILD_LEASE_SECONDS: '2' });
      // Several leases long: the first replica renews it every tick, so the second never takes it.
      await new Promise((resolve) => setTimeout(resolve, 4500));
      expect(await status(id)).toBe('RUNNING');
      expect(executor.started).toEqual([]);
      expect((await leaseOf(id)).runner_id).toBe(owner);

      // The first replica's renewals stop reaching the database (a partition, or a process hung):
      // its lease runs out and the second takes the build over.
      const renewals = jest.spyOn(first.get(BuildRepository), 'renewLeases').mockRejectedValue(new Error('connection lost'));
      expect(await statusReaching(id, 'ERROR', 10_000)).toBe('ERROR');
      expect(await reasonOf(id)).toBe('EXECUTOR_LOST');
      expect((await leaseOf(id)).runner_id).toBe(app.get(BuildRunner).id);
      // Back in touch, the first finds the build is not its own any more and stops running it,
      // leaving what may run on a cluster to the new owner (a shutdown stop, not a cancel).
      renewals.mockRestore();
      await eventually(
        () => Promise.resolve(firstExecutor.aborted.length),
        (n) => n > 0,
      );
      expect(firstExecutor.aborted).toEqual([{ id, why: 'shutdown' }]);
      expect(await status(id)).toBe('ERROR');
    });

    it('stops a build where it runs when the cancel reaches another replica', async () => {
      await start();
      const firstExecutor = executor;
      const id = await queue(OWNER);
      await statusReaching(id, 'RUNNING');
      await start();
      const answer = await app.get(BuildsService).cancel(caller, id);
      // The second replica does not end it itself: the first one is running it.
      expect(answer.status).toBe('CANCELLING');
      expect(await statusReaching(id, 'CANCELLED')).toBe('CANCELLED');
      expect(firstExecutor.aborted).toEqual([{ id, why: 'cancel' }]);
    });
  });
});
