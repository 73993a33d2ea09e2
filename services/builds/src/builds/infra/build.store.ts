import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  type BuildDto,
  type BuildEventDto,
  buildEventSubject,
  type BuildPhase,
  type BuildSpecSnapshotDto,
  type BuildStatus,
} from '@stagecraft/contracts';
import { appendToOutbox } from '@stagecraft/messaging';
import { type EntityManager, IsNull, Repository } from 'typeorm';

import { canMove, defaultReason, isTerminal } from '../domain/build-state';
import { BuildEntity } from './build.entity';

export const BUILD_EVENTS_TABLE = 'build_events';

/** What a new build is made of: everything else starts empty, and its state QUEUED. */
export type NewBuild = Pick<
  BuildEntity,
  'id' | 'accountId' | 'enterpriseProjectId' | 'jobId' | 'clusterId' | 'spec' | 'triggeredBy' | 'packageSha256'
> &
  Partial<Pick<BuildEntity, 'packageUrl' | 'packageGrant'>>;

/** The job's builds were deleted (the job is being deleted): no build of it starts any more. */
export class JobDeletedError extends Error {
  constructor() {
    super('the package job is deleted');
  }
}

export interface TransitionChanges {
  phase?: BuildPhase | null;
  reason?: string | null;
  message?: string | null;
  node?: string | null;
  imageDigest?: string | null;
  image?: string | null;
}

/**
 * Every change of a build's state is written with its event in one transaction (the outbox):
 * the relay publishes exactly what was committed, in commit order.
 */
@Injectable()
export class BuildStore {
  constructor(@InjectRepository(BuildEntity) private readonly builds: Repository<BuildEntity>) {}

  /** Inserts a QUEUED build with the next number of its job, and its first event. */
  async create(build: NewBuild): Promise<BuildEntity> {
    return this.builds.manager.transaction(async (manager) => {
      // Serialises numbering per job; the unique (job_id, number) index stays the last word.
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [build.jobId]);
      // Under the same lock as deleteJobBuilds: either it ran first and is seen here, or it sees this build.
      const deleted: unknown[] = await manager.query('SELECT 1 FROM deleted_jobs WHERE job_id = $1', [build.jobId]);
      if (deleted.length) throw new JobDeletedError();
      const [{ next }] = await manager.query('SELECT coalesce(max(number), 0) + 1 AS next FROM builds WHERE job_id = $1', [
        build.jobId,
      ]);
      await manager.insert(BuildEntity, {
        ...build,
        packageUrl: build.packageUrl ?? null,
        packageGrant: build.packageGrant ?? null,
        number: Number(next),
        status: 'QUEUED',
        phase: null,
        reason: null,
        message: null,
        node: null,
        imageDigest: null,
        image: null,
        startedAt: null,
        finishedAt: null,
        logCursor: null,
      });
      const saved = await manager.findOneByOrFail(BuildEntity, { id: build.id });
      await this.appendEvent(manager, saved, saved.status.toLowerCase());
      return saved;
    });
  }

  /**
   * Deletes a job's builds and records the job as deleted, in one transaction under the job's
   * build lock (the one `create` takes): a build queued after this is refused. Nothing changes
   * while a build is unfinished; its count is returned instead.
   */
  async deleteJobBuilds(accountId: string, jobId: string): Promise<{ unfinished: number; deleted: number }> {
    return this.builds.manager.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [jobId]);
      const unfinished = await manager.countBy(BuildEntity, { accountId, jobId, finishedAt: IsNull() });
      if (unfinished > 0) return { unfinished, deleted: 0 };
      await manager.query('INSERT INTO deleted_jobs (job_id, account_id) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING', [
        jobId,
        accountId,
      ]);
      const result = await manager.delete(BuildEntity, { accountId, jobId });
      return { unfinished: 0, deleted: result.affected ?? 0 };
    });
  }

  /** The package's URL, asked for when the build starts running. */
  async recordPackageUrl(id: string, url: string): Promise<void> {
    await this.builds.update({ id }, { packageUrl: url });
  }

  /**
   * Moves a build to `to` if its state allows it (null when it does not: another writer got
   * there first). A terminal state sets `finishedAt`; RUNNING sets `startedAt`.
   */
  async transition(
    id: string,
    to: BuildStatus,
    changes: TransitionChanges = {},
    allowedFrom?: BuildStatus[],
  ): Promise<BuildEntity | null> {
    return this.builds.manager.transaction(async (manager) => {
      const build = await manager.findOne(BuildEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!build || !canMove(build.status, to) || (allowedFrom && !allowedFrom.includes(build.status))) return null;
      Object.assign(build, changes, { status: to });
      if (to === 'RUNNING' && !build.startedAt) build.startedAt = new Date();
      if (isTerminal(to)) {
        build.finishedAt = new Date();
        build.reason = changes.reason ?? build.reason ?? defaultReason(to);
      }
      const saved = await manager.save(build);
      await this.appendEvent(manager, saved, to.toLowerCase());
      return saved;
    });
  }

  /** A new phase of a running build: an event of its own. */
  async enterPhase(id: string, phase: BuildPhase): Promise<BuildEntity | null> {
    return this.builds.manager.transaction(async (manager) => {
      const build = await manager.findOne(BuildEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      // The same phase again is no change (a resumed Kubernetes build may read its phase marker twice).
      if (!build || build.status !== 'RUNNING' || build.phase === phase) return null;
      build.phase = phase;
      const saved = await manager.save(build);
      await this.appendEvent(manager, saved, 'phase');
      return saved;
    });
  }

  /** The node a running build landed on (Kubernetes decides it after the build started): an event of its own. */
  async recordNode(id: string, node: string): Promise<BuildEntity | null> {
    return this.builds.manager.transaction(async (manager) => {
      const build = await manager.findOne(BuildEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!build || build.status !== 'RUNNING' || build.node === node) return null;
      build.node = node;
      const saved = await manager.save(build);
      await this.appendEvent(manager, saved, 'node');
      return saved;
    });
  }

  private async appendEvent(manager: EntityManager, build: BuildEntity, type: string): Promise<void> {
    const eventId = randomUUID();
    const payload: BuildEventDto = { eventId, type, at: new Date().toISOString(), build: toBuildDto(build) };
    await appendToOutbox(manager, BUILD_EVENTS_TABLE, {
      id: eventId,
      subject: buildEventSubject({
        accountId: build.accountId,
        enterpriseProjectId: build.enterpriseProjectId,
        jobId: build.jobId,
        buildId: build.id,
        type,
      }),
      payload,
    });
  }
}

/**
 * builds.get, builds.list and every build event carry no Dockerfile text: it may hold secrets, and
 * events reach every subscriber of the stream. The job answers it, masked; the run keeps it here.
 */
function withoutDockerfileText(spec: BuildSpecSnapshotDto): BuildSpecSnapshotDto {
  return spec.buildSpec.dockerfile === null ? spec : { ...spec, buildSpec: { ...spec.buildSpec, dockerfile: null } };
}

export function toBuildDto(build: BuildEntity): BuildDto {
  return {
    id: build.id,
    accountId: build.accountId,
    enterpriseProjectId: build.enterpriseProjectId,
    jobId: build.jobId,
    number: build.number,
    status: build.status,
    phase: build.phase,
    reason: build.reason,
    message: build.message,
    node: build.node,
    imageDigest: build.imageDigest,
    image: build.image,
    triggeredBy: build.triggeredBy,
    spec: withoutDockerfileText(build.spec),
    createdAt: build.createdAt.toISOString(),
    startedAt: build.startedAt?.toISOString() ?? null,
    finishedAt: build.finishedAt?.toISOString() ?? null,
  };
}
