import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, LessThan, Repository } from 'typeorm';

import { BuildsConfig } from '../config';
import { BUILD_EXECUTOR, BuildRunner } from './build-runner';
import type { BuildExecutor } from './executors/build-executor';
import { removeLeftoverBuildFolders } from './executors/build-workdirs';
import { BuildEntity } from './infra/build.entity';
import { BuildStore } from './infra/build.store';

// Any fixed number: one scheduler at a time among the replicas sharing a database.
const SCHEDULER_LOCK = 0x5c_b0_0001;

/**
 * The queue: builds wait QUEUED until their cluster has a free slot (BUILD_CONCURRENCY_PER_CLUSTER),
 * expire after BUILD_QUEUE_TIMEOUT_SECONDS, and are stopped at BUILD_DEADLINE_SECONDS. It ticks
 * on a timer and whenever a build starts or ends. On start it reconciles what a previous process
 * left unfinished: a LOCAL build ran in that process and is lost; a Kubernetes build runs on its
 * cluster and is followed again (or, if it was being cancelled, removed there).
 */
@Injectable()
export class BuildScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BuildScheduler');
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private again = false;

  constructor(
    @InjectRepository(BuildEntity) private readonly builds: Repository<BuildEntity>,
    private readonly store: BuildStore,
    private readonly runner: BuildRunner,
    private readonly config: BuildsConfig,
    @Inject(BUILD_EXECUTOR) private readonly executor: BuildExecutor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reconcile();
    await this.removeLeftoverFolders();
    this.timer = setInterval(() => this.wake(), this.config.BUILD_SCHEDULER_INTERVAL_MS);
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    await this.runner.stopAll();
  }

  /** Looks at the queue now (coalesced: a tick in progress runs once more afterwards). */
  wake(): void {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((error: Error) => this.logger.warn(`scheduling failed: ${error.message}`))
      .finally(() => {
        this.ticking = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async tick(): Promise<void> {
    await this.expireQueued();
    await this.enforceDeadlines();
    const launches = await this.builds.manager.transaction(async (manager) => {
      const [{ locked }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [SCHEDULER_LOCK]);
      if (!locked) return [];
      const active: { cluster_id: string; n: string }[] = await manager.query(
        `SELECT cluster_id, count(*) AS n FROM builds WHERE status IN ('SCHEDULING', 'RUNNING', 'CANCELLING') GROUP BY cluster_id`,
      );
      const busy = new Map(active.map((row) => [row.cluster_id, Number(row.n)]));
      const queued = await manager.find(BuildEntity, { where: { status: 'QUEUED' }, order: { createdAt: 'ASC', id: 'ASC' } });
      const chosen: BuildEntity[] = [];
      for (const build of queued) {
        const used = busy.get(build.clusterId) ?? 0;
        if (used >= this.config.BUILD_CONCURRENCY_PER_CLUSTER) continue;
        busy.set(build.clusterId, used + 1);
        chosen.push(build);
      }
      return chosen;
    });
    for (const build of launches) {
      const scheduled = await this.store.transition(build.id, 'SCHEDULING', {}, ['QUEUED']);
      if (!scheduled) continue;
      void this.runner
        .launch(scheduled, this.executor.resumable?.(scheduled) ? null : (scheduled.spec.nodeName ?? 'local'))
        .finally(() => this.wake());
    }
  }

  private async expireQueued(): Promise<void> {
    const cutoff = new Date(Date.now() - this.config.BUILD_QUEUE_TIMEOUT_SECONDS * 1000);
    const stale = await this.builds.find({ where: { status: 'QUEUED', createdAt: LessThan(cutoff) }, select: { id: true } });
    for (const { id } of stale) {
      await this.store.transition(
        id,
        'EXPIRED',
        { message: `waited more than ${this.config.BUILD_QUEUE_TIMEOUT_SECONDS} s in the queue` },
        ['QUEUED'],
      );
    }
  }

  private async enforceDeadlines(): Promise<void> {
    const cutoff = new Date(Date.now() - this.config.BUILD_DEADLINE_SECONDS * 1000);
    const late = await this.builds.find({ where: { status: 'RUNNING', startedAt: LessThan(cutoff) }, select: { id: true } });
    for (const { id } of late) {
      // Running here: the runner stops it and records TIMED_OUT. Elsewhere: nobody runs it any more.
      if (!this.runner.stop(id, 'deadline'))
        await this.store.transition(id, 'TIMED_OUT', { message: 'the build passed its deadline' });
    }
  }

  /** The folders LOCAL builds of a dead process left (their builds were just reconciled). */
  private async removeLeftoverFolders(): Promise<void> {
    const removed = await removeLeftoverBuildFolders({
      workRoot: this.config.BUILD_WORKDIR ?? join(tmpdir(), 'stagecraft-builds'),
      staleMs: this.config.BUILD_DEADLINE_SECONDS * 1000,
    });
    if (removed.length > 0) this.logger.warn(`removed ${removed.length} build folder(s) left by a previous run`);
  }

  /**
   * Builds a previous process was running: a resumable one is followed again (a cancelled one is
   * released and ends CANCELLED); any other ends ERROR (EXECUTOR_LOST), or CANCELLED if it was
   * being cancelled.
   */
  private async reconcile(): Promise<void> {
    const unfinished = await this.builds.find({
      where: { status: In(['SCHEDULING', 'RUNNING', 'CANCELLING']), finishedAt: IsNull() },
    });
    for (const build of unfinished) {
      if (this.runner.isRunning(build.id)) continue;
      if (this.executor.resumable?.(build)) {
        if (build.status === 'CANCELLING') {
          await this.executor.release?.(build);
          await this.store.transition(build.id, 'CANCELLED', { message: 'cancelled by a user' });
        } else {
          void this.runner.launch(build, null).finally(() => this.wake());
        }
        continue;
      }
      if (build.status === 'CANCELLING')
        await this.store.transition(build.id, 'CANCELLED', { message: 'cancelled while the builds service was down' });
      else
        await this.store.transition(build.id, 'ERROR', {
          reason: 'EXECUTOR_LOST',
          message: 'the builds service stopped while this build ran',
        });
    }
    if (unfinished.length > 0) this.logger.warn(`reconciled ${unfinished.length} build(s) left unfinished by a previous run`);
  }
}
