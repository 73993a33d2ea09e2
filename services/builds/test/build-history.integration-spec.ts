import { randomUUID } from 'node:crypto';

import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@stagecraft/config';
import type { BuildStatus } from '@stagecraft/contracts';
import { createTestDatabase, type TestDatabase, testNatsSettings, testSubjectPrefix } from '@stagecraft/testing';
import { DataSource } from 'typeorm';

import { BuildsModule } from '../src/builds.module';
import { BuildHistoryPruner } from '../src/builds/build-history.pruner';
import type { BuildExecutor } from '../src/builds/executors/build-executor';
import { BuildRepository } from '../src/builds/infra/build.repository';
import { BuildsConfig } from '../src/config';
import { queuedBuild } from './queued-build';

/** The pruner's clock: every pass is made as of this instant, not the machine's. */
const NOW = new Date('2026-12-05T12:00:00.000Z');
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

describe('build history: pruning finished builds by count and age (real Postgres, a fixed clock)', () => {
  let database: TestDatabase;
  let app: INestApplicationContext;
  const clusterId = randomUUID();

  beforeAll(async () => {
    database = await createTestDatabase('buildhistory');
    const config = loadConfig(BuildsConfig, {
      DATABASE_URL: database.url,
      ...testNatsSettings('builds', testSubjectPrefix()),
      // Nothing is scheduled or pruned by a timer here: the test sets each build's end itself.
      BUILD_SCHEDULER_INTERVAL_MS: '3600000',
      BUILD_HISTORY_PRUNE_INTERVAL_SECONDS: '3600',
      BUILD_HISTORY_KEEP_SUCCEEDED: '2',
      BUILD_HISTORY_KEEP_FAILED: '1',
      BUILD_HISTORY_MAX_AGE_DAYS: '7',
    });
    const idle: BuildExecutor = { execute: () => new Promise(() => undefined) };
    app = await NestFactory.createApplicationContext(BuildsModule.forConfig(config, { executor: idle }), { logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  /** A job's builds, numbered 1, 2, … in this order, each ended (or not) as given. */
  const jobWith = async (...builds: { status: BuildStatus; finishedDaysAgo?: number }[]) => {
    const jobId = randomUUID();
    const ids: string[] = [];
    for (const build of builds) {
      const { id } = await app.get(BuildRepository).create(queuedBuild({ jobId, clusterId, packageSha256: 'unused' }));
      const finished = build.finishedDaysAgo === undefined ? null : daysAgo(build.finishedDaysAgo);
      await app
        .get(DataSource)
        .query('UPDATE builds SET status = $2, finished_at = $3 WHERE id = $1', [id, build.status, finished]);
      await app.get(DataSource).query(`INSERT INTO build_log_chunks (build_id, "offset", text) VALUES ($1, 0, 'a line\n')`, [id]);
      ids.push(id);
    }
    return ids;
  };
  const remaining = async (ids: string[]) => {
    const rows: { id: string }[] = await app.get(DataSource).query('SELECT id FROM builds WHERE id = ANY($1)', [ids]);
    return ids.map((id, i) => (rows.some((row) => row.id === id) ? i + 1 : null)).filter((n) => n !== null);
  };

  it('takes its policy from the platform settings', () => {
    expect(app.get(BuildHistoryPruner).policy).toEqual({ keepSucceeded: 2, keepFailed: 1, maxAgeSeconds: 7 * 86_400 });
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
    expect(await app.get(BuildRepository).pruneHistory({ keepSucceeded: 0, keepFailed: 0, maxAgeSeconds: 0 }, NOW)).toEqual([]);
    expect(await remaining(old)).toEqual([1, 2]);
  });
});
