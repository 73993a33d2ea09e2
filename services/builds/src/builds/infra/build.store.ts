import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type BuildDto, type BuildEventDto, buildEventSubject, type BuildPhase, type BuildStatus } from '@stagecraft/contracts';
import { appendToOutbox } from '@stagecraft/messaging';
import { type EntityManager, Repository } from 'typeorm';

import { canMove, defaultReason, isTerminal } from '../domain/build-state';
import { BuildEntity } from './build.entity';

export const BUILD_EVENTS_TABLE = 'build_events';

/** What a new build is made of: everything else starts empty, and its state QUEUED. */
export type NewBuild = Pick<
  BuildEntity,
  'id' | 'accountId' | 'enterpriseProjectId' | 'jobId' | 'clusterId' | 'spec' | 'triggeredBy' | 'packageUrl' | 'packageSha256'
>;

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
      const [{ next }] = await manager.query('SELECT coalesce(max(number), 0) + 1 AS next FROM builds WHERE job_id = $1', [
        build.jobId,
      ]);
      await manager.insert(BuildEntity, {
        ...build,
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
    spec: build.spec,
    createdAt: build.createdAt.toISOString(),
    startedAt: build.startedAt?.toISOString() ?? null,
    finishedAt: build.finishedAt?.toISOString() ?? null,
  };
}
