import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { accessibleWhere, type Caller } from '@stagecraft/authz';
import type { BuildCountsDto, BuildPhase, BuildStatus } from '@stagecraft/contracts';
import { buildDuration } from '@stagecraft/observability';
import { type Page, type PageRequest, paginate } from '@stagecraft/persistence';
import { type EntityManager, In, IsNull, LessThan, Repository } from 'typeorm';

import type { BuildHistoryPolicy } from '../domain/build-history';
import { isLeasedByAnother } from '../domain/build-lease';
import { BuildRecords, JobDeletedError, NEW_BUILD_STATE, type NewBuild, type TransitionChanges } from '../domain/build-records';
import { isTerminal, TERMINAL_STATUSES } from '../domain/build-state';
import { applyTransition } from '../domain/build-transition';
import { enterPhase } from '../domain/phase-times';
import { BuildEntity, type LogCursors } from './build.entity';
import { appendBuildEvent } from './build-events.outbox';
import type { BuildEventsOf } from './build-events.purge';

// Any fixed number: one scheduler at a time among the replicas sharing a database.
const SCHEDULER_LOCK = 0x5c_b0_0001;

/** A build in one of these holds a slot of its cluster: it was scheduled and has not ended. */
const ACTIVE_STATUSES: BuildStatus[] = ['SCHEDULING', 'RUNNING', 'CANCELLING'];

/** Serialises the numbering, the deletion and the history policy of one job's builds (for a transaction's length). */
export async function lockJob(manager: EntityManager, jobId: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [jobId]);
}

/** A job deleted here (deleteJobBuilds) never gets builds again; seen under lockJob. */
export async function isDeletedJob(manager: EntityManager, jobId: string): Promise<boolean> {
  const rows: unknown[] = await manager.query('SELECT 1 FROM deleted_jobs WHERE job_id = $1', [jobId]);
  return rows.length > 0;
}

/** How the scheduler picks what to launch from the queue, given how many builds each cluster has active. */
export type QueueChoice = (queuedOldestFirst: BuildEntity[], activeByCluster: Map<string, number>) => BuildEntity[];

/**
 * The builds table: the one place that knows its SQL. Every change of a build's state is written
 * with its event in one transaction (the outbox): the relay publishes exactly what was committed,
 * in commit order.
 */
@Injectable()
export class BuildRepository implements BuildRecords {
  constructor(@InjectRepository(BuildEntity) private readonly builds: Repository<BuildEntity>) {}

  async create(build: NewBuild): Promise<BuildEntity> {
    return this.builds.manager.transaction(async (manager) => {
      // Serialises numbering per job; the unique (job_id, number) index stays the last word.
      await lockJob(manager, build.jobId);
      // Under the same lock as deleteJobBuilds: either it ran first and is seen here, or it sees this build.
      if (await isDeletedJob(manager, build.jobId)) throw new JobDeletedError();
      const [{ next }] = await manager.query('SELECT coalesce(max(number), 0) + 1 AS next FROM builds WHERE job_id = $1', [
        build.jobId,
      ]);
      await manager.insert(BuildEntity, {
        ...build,
        packageUrl: build.packageUrl ?? null,
        packageGrant: build.packageGrant ?? null,
        trigger: build.trigger ?? 'MANUAL',
        baseChange: build.baseChange ?? null,
        number: Number(next),
        ...NEW_BUILD_STATE,
      });
      const saved = await manager.findOneByOrFail(BuildEntity, { id: build.id });
      await appendBuildEvent(manager, saved, saved.status.toLowerCase());
      return saved;
    });
  }

  /** In one transaction under the job's build lock (the one `create` takes): a build queued after this is refused. */
  async deleteJobBuilds(accountId: string, jobId: string): Promise<{ unfinished: number; deleted: number }> {
    return this.builds.manager.transaction(async (manager) => {
      await lockJob(manager, jobId);
      const unfinished = await manager.countBy(BuildEntity, { accountId, jobId, finishedAt: IsNull() });
      if (unfinished > 0) return { unfinished, deleted: 0 };
      await manager.query('INSERT INTO deleted_jobs (job_id, account_id) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING', [
        jobId,
        accountId,
      ]);
      await manager.query('DELETE FROM build_retention WHERE job_id = $1', [jobId]);
      const result = await manager.delete(BuildEntity, { accountId, jobId });
      return { unfinished: 0, deleted: result.affected ?? 0 };
    });
  }

  async transition(
    id: string,
    to: BuildStatus,
    changes: TransitionChanges = {},
    allowedFrom?: BuildStatus[],
  ): Promise<BuildEntity | null> {
    const moved = await this.builds.manager.transaction(async (manager) => {
      const build = await this.lockBuild(manager, id);
      if (!build || !applyTransition(build, to, changes, allowedFrom)) return null;
      const saved = await manager.save(build);
      await appendBuildEvent(manager, saved, to.toLowerCase());
      return saved;
    });
    // Once per build: a build in a terminal state takes no other transition. One that never ran
    // (EXPIRED, cancelled while queued) counts from its creation.
    if (moved?.finishedAt && isTerminal(moved.status)) {
      const from = moved.startedAt ?? moved.createdAt;
      buildDuration.observe({ outcome: moved.status }, Math.max(0, moved.finishedAt.getTime() - from.getTime()) / 1000);
    }
    return moved;
  }

  /** A new phase of a running build: an event of its own. */
  enterPhase(id: string, phase: BuildPhase): Promise<BuildEntity | null> {
    // The same phase again is no change (a resumed Kubernetes build may read its phase marker twice).
    return this.changeRunning(id, 'phase', phase);
  }

  /** The node a running build landed on (Kubernetes decides it after the build started): an event of its own. */
  recordNode(id: string, node: string): Promise<BuildEntity | null> {
    return this.changeRunning(id, 'node', node);
  }

  /** The package's URL, asked for when the build starts running. */
  async recordPackageUrl(id: string, url: string): Promise<void> {
    await this.builds.update({ id }, { packageUrl: url });
  }

  /** Written in the caller's transaction, with the log lines read up to it. */
  async saveLogCursor(manager: EntityManager, buildId: string, cursor: LogCursors): Promise<void> {
    await manager.query('UPDATE builds SET log_cursor = $2 WHERE id = $1', [buildId, JSON.stringify(cursor)]);
  }

  findInAccount(accountId: string, id: string): Promise<BuildEntity | null> {
    return this.builds.findOneBy({ id, accountId });
  }

  get(id: string): Promise<BuildEntity> {
    return this.builds.findOneByOrFail({ id });
  }

  async visiblePageOfJob(caller: Caller, jobId: string, page: PageRequest): Promise<Page<BuildEntity>> {
    // Filtered in SQL, before paging: a job the caller cannot see answers exactly as a missing one
    // (an empty page with null cursors), and a cursor only ever names a build on the caller's page.
    const query = this.visibleOfJob(caller, jobId);
    if (!query) return { edges: [], hasNextPage: false, endCursor: null };
    return paginate(query, { createdAt: 'b.created_at', id: 'b.id' }, page);
  }

  async visibleCountsOfJob(caller: Caller, jobId: string): Promise<BuildCountsDto> {
    const query = this.visibleOfJob(caller, jobId);
    if (!query) return { total: 0, finished: 0, succeeded: 0 };
    const counts = await query
      .select('count(*)::int', 'total')
      .addSelect('count(b.finished_at)::int', 'finished')
      .addSelect(`count(*) FILTER (WHERE b.status = 'SUCCEEDED')::int`, 'succeeded')
      .getRawOne<BuildCountsDto>();
    return counts ?? { total: 0, finished: 0, succeeded: 0 };
  }

  /** The job's builds the caller may both list and read; null when it may do neither anywhere. */
  private visibleOfJob(caller: Caller, jobId: string) {
    const columns = { enterpriseProjectId: 'b.enterprise_project_id' };
    const listable = accessibleWhere(caller.ability, 'list', 'assembling', columns, 'authz_list');
    const readable = accessibleWhere(caller.ability, 'get', 'assembling', columns, 'authz_get');
    if (!listable || !readable) return null;
    return this.builds
      .createQueryBuilder('b')
      .where('b.account_id = :accountId AND b.job_id = :jobId', { accountId: caller.accountId, jobId })
      .andWhere(listable.sql, listable.params)
      .andWhere(readable.sql, readable.params);
  }

  async lastOfJobs(accountId: string, jobIds: string[]): Promise<BuildEntity[]> {
    if (jobIds.length === 0) return [];
    return this.builds
      .createQueryBuilder('b')
      .distinctOn(['b.job_id'])
      .where('b.account_id = :accountId AND b.job_id IN (:...jobIds)', { accountId, jobIds })
      .orderBy('b.job_id')
      .addOrderBy('b.number', 'DESC')
      .getMany();
  }

  async projectsOfJob(accountId: string, jobId: string): Promise<string[]> {
    const rows: { projectId: string }[] = await this.builds
      .createQueryBuilder('b')
      .select('DISTINCT b.enterprise_project_id', 'projectId')
      .where('b.account_id = :accountId AND b.job_id = :jobId', { accountId, jobId })
      .getRawMany();
    return rows.map((row) => row.projectId);
  }

  /**
   * What the scheduler launches: chosen under a lock one replica holds at a time (the others
   * launch nothing this tick), from the queued builds and the active ones read under it.
   */
  async chooseQueued(choose: QueueChoice): Promise<BuildEntity[]> {
    return this.builds.manager.transaction(async (manager) => {
      const [{ locked }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [SCHEDULER_LOCK]);
      if (!locked) return [];
      const active: { cluster_id: string; n: string }[] = await manager.query(
        'SELECT cluster_id, count(*) AS n FROM builds WHERE status = ANY($1) GROUP BY cluster_id',
        [ACTIVE_STATUSES],
      );
      const queued = await manager.find(BuildEntity, { where: { status: 'QUEUED' }, order: { createdAt: 'ASC', id: 'ASC' } });
      return choose(queued, new Map(active.map((row) => [row.cluster_id, Number(row.n)])));
    });
  }

  async idsQueuedBefore(cutoff: Date): Promise<string[]> {
    const rows = await this.builds.find({ where: { status: 'QUEUED', createdAt: LessThan(cutoff) }, select: { id: true } });
    return rows.map((row) => row.id);
  }

  /** This runner's builds running since before `cutoff` (every other replica minds its own). */
  async idsRunningStartedBefore(cutoff: Date, runnerId: string): Promise<string[]> {
    const rows = await this.builds.find({
      where: { status: 'RUNNING', startedAt: LessThan(cutoff), runnerId },
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  /**
   * Scheduled builds nobody holds a lease on at `now` (their replica died, or they predate leases),
   * now leased to `runnerId` until `until`: each goes to one replica (the rows are locked, and
   * rows another replica is claiming are skipped).
   */
  async claimOrphans(runnerId: string, now: Date, until: Date): Promise<BuildEntity[]> {
    return this.builds.manager.transaction(async (manager) => {
      const unfinished = { status: In(ACTIVE_STATUSES), finishedAt: IsNull() };
      const orphans = await manager.find(BuildEntity, {
        where: [
          { ...unfinished, leaseExpiresAt: IsNull() },
          { ...unfinished, leaseExpiresAt: LessThan(now) },
        ],
        lock: { mode: 'pessimistic_write', onLocked: 'skip_locked' },
      });
      if (orphans.length === 0) return [];
      await manager.update(BuildEntity, { id: In(orphans.map((build) => build.id)) }, { runnerId, leaseExpiresAt: until });
      return orphans.map((build) => Object.assign(build, { runnerId, leaseExpiresAt: until }));
    });
  }

  /**
   * Extends `runnerId`'s leases on these builds to `until`; answers the state of each one it still
   * holds (a build missing from the answer has ended, or another replica took it over).
   */
  async renewLeases(runnerId: string, ids: string[], until: Date): Promise<Map<string, BuildStatus>> {
    if (ids.length === 0) return new Map();
    const result = await this.builds
      .createQueryBuilder()
      .update(BuildEntity)
      .set({ leaseExpiresAt: until })
      .where('runner_id = :runnerId AND id IN (:...ids) AND finished_at IS NULL', { runnerId, ids })
      .returning(['id', 'status'])
      .execute();
    return new Map((result.raw as { id: string; status: BuildStatus }[]).map((row) => [row.id, row.status]));
  }

  /** Gives up `runnerId`'s leases on its unfinished builds (a clean stop): they are orphans now. */
  async releaseLeases(runnerId: string): Promise<void> {
    await this.builds.update({ runnerId, finishedAt: IsNull() }, { leaseExpiresAt: null });
  }

  async leasedByAnotherRunner(id: string, runnerId: string, now: Date): Promise<boolean> {
    const build = await this.builds.findOne({ where: { id }, select: { id: true, runnerId: true, leaseExpiresAt: true } });
    return isLeasedByAnother(build, runnerId, now);
  }

  /**
   * Deletes the finished builds each job's policy lets go as of `now` (its own, else its
   * project's, from build_retention, else `platform`), their log chunks with them (the foreign key
   * cascades); answers the builds deleted. Where the policy deletes images, the images those builds
   * pushed are queued in the same statement (pruned_images). One statement: a build that ends
   * meanwhile is judged at the next pass.
   */
  async pruneHistory(platform: BuildHistoryPolicy, now: Date): Promise<BuildEventsOf[]> {
    const rows: { id: string; account_id: string; enterprise_project_id: string; job_id: string }[] = await this.builds.query(
      `WITH ranked AS (
         SELECT b.id, b.status, b.finished_at,
                row_number() OVER (PARTITION BY b.job_id, b.status = 'SUCCEEDED' ORDER BY b.number DESC) AS nth_of_kind,
                row_number() OVER (PARTITION BY b.job_id ORDER BY b.number DESC) AS nth,
                coalesce(j.keep_succeeded, p.keep_succeeded, $1) AS keep_succeeded,
                coalesce(j.keep_failed, p.keep_failed, $2) AS keep_failed,
                coalesce(j.max_age_days, p.max_age_days, $3) AS max_age_days,
                coalesce(j.delete_images, p.delete_images, $6) AS delete_images
           FROM builds b
           LEFT JOIN build_retention j ON j.job_id = b.job_id
           LEFT JOIN build_retention p ON p.job_id IS NULL AND p.enterprise_project_id = b.enterprise_project_id
          WHERE b.finished_at IS NOT NULL AND b.status = ANY($5)
       ), deleted AS (
         DELETE FROM builds b USING ranked r
          WHERE b.id = r.id
            AND r.nth > 1
            AND NOT (r.status = 'SUCCEEDED' AND r.nth_of_kind = 1)
            AND ((r.keep_succeeded > 0 AND r.status = 'SUCCEEDED' AND r.nth_of_kind > r.keep_succeeded)
              OR (r.keep_failed > 0 AND r.status <> 'SUCCEEDED' AND r.nth_of_kind > r.keep_failed)
              OR (r.max_age_days > 0 AND r.finished_at < $4::timestamptz - r.max_age_days * interval '1 day'))
         RETURNING b.id, b.account_id, b.enterprise_project_id, b.job_id, b.spec->>'archiveImage' AS archive_image,
                   b.image_digest, r.delete_images
       ), queued AS (
         INSERT INTO pruned_images (build_id, account_id, enterprise_project_id, archive_image, image_digest, next_attempt_at,
                                    attestation_manifests)
         SELECT d.id, d.account_id, d.enterprise_project_id, d.archive_image, d.image_digest, $4::timestamptz,
                coalesce(a.attached_manifests, '{}')
           FROM deleted d LEFT JOIN build_attestations a ON a.build_id = d.id
          WHERE d.delete_images AND d.image_digest IS NOT NULL
       )
       SELECT id, account_id, enterprise_project_id, job_id FROM deleted`,
      [
        platform.keepSucceeded,
        platform.keepFailed,
        platform.maxAgeDays,
        now.toISOString(),
        [...TERMINAL_STATUSES],
        platform.deleteImages,
      ],
    );
    return rows.map((row) => ({
      id: row.id,
      accountId: row.account_id,
      enterpriseProjectId: row.enterprise_project_id,
      jobId: row.job_id,
    }));
  }

  /** The state of each of these builds that exists. */
  async statusesOf(ids: string[]): Promise<Map<string, BuildStatus>> {
    const rows = await this.builds.find({ where: { id: In([...new Set(ids)]) }, select: { id: true, status: true } });
    return new Map(rows.map((row) => [row.id, row.status]));
  }

  private lockBuild(manager: EntityManager, id: string): Promise<BuildEntity | null> {
    return manager.findOne(BuildEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Sets `field` of a RUNNING build, with an event named after it; null when it is not running or already has `value`. */
  private changeRunning<Field extends 'phase' | 'node'>(
    id: string,
    field: Field,
    value: BuildEntity[Field],
  ): Promise<BuildEntity | null> {
    return this.builds.manager.transaction(async (manager) => {
      const build = await this.lockBuild(manager, id);
      if (!build || build.status !== 'RUNNING' || build[field] === value) return null;
      build[field] = value;
      if (field === 'phase') build.phases = enterPhase(build.phases, value as BuildPhase, new Date());
      const saved = await manager.save(build);
      await appendBuildEvent(manager, saved, field);
      return saved;
    });
  }
}
