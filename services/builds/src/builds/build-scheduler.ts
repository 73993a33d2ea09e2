import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { buildQueueDepth } from '@stagecraft/observability';

import { CoalescedTask } from '../coalesced-task';
import { BuildsConfig } from '../config';
import { BUILD_EXECUTOR, BuildRunner } from './build-runner';
import type { BuildQueue } from './domain/build-queue';
import type { BuildExecutor } from './executors/build-executor';
import { removeLeftoverBuildFolders } from './executors/build-workdirs';
import type { BuildEntity } from './infra/build.entity';
import { BuildRepository } from './infra/build.repository';

/**
 * The queue: builds wait QUEUED until their cluster has a free slot (BUILD_CONCURRENCY_PER_CLUSTER),
 * expire after BUILD_QUEUE_TIMEOUT_SECONDS, and are stopped at BUILD_DEADLINE_SECONDS. It ticks
 * on a timer and whenever a build starts or ends.
 *
 * Replicas share the work: one chooses from the queue at a time, and each build it schedules is
 * leased to its runner, which renews the lease every tick (and so learns of a cancel another
 * replica accepted). A build whose lease ran out (its replica died) is taken over by one replica
 * on its next tick: a LOCAL build ran in that process and is lost; a Kubernetes build runs on its
 * cluster and is followed again (or, if it was being cancelled, removed there).
 */
@Injectable()
export class BuildScheduler implements BuildQueue, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BuildScheduler');
  private timer?: NodeJS.Timeout;
  private readonly ticks = new CoalescedTask(
    () => this.tick(),
    (error) => this.logger.warn(`scheduling failed: ${error.message}`),
  );

  constructor(
    private readonly builds: BuildRepository,
    private readonly runner: BuildRunner,
    private readonly config: BuildsConfig,
    @Inject(BUILD_EXECUTOR) private readonly executor: BuildExecutor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.takeOverOrphans();
    await this.removeLeftoverFolders();
    this.timer = setInterval(() => this.wake(), this.config.BUILD_SCHEDULER_INTERVAL_MS);
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // No tick after this one, not even one asked for meanwhile: it could launch a build that
    // stopAll below no longer sees (and that runs on after the database is closed), or claim a
    // build again after its lease was released.
    await this.ticks.stop();
    await this.runner.stopAll();
    // Handed over at once rather than when the leases run out: the next replica to tick takes them.
    await this.builds.releaseLeases(this.runner.id);
  }

  /** Looks at the queue now (coalesced: a tick in progress runs once more afterwards; none once shutdown began). */
  wake(): void {
    this.ticks.wake();
  }

  private async tick(): Promise<void> {
    await this.renewLeases();
    await this.takeOverOrphans();
    await this.expireQueued();
    await this.enforceDeadlines();
    const launches = await this.builds.chooseQueued((queued, active) => this.withinConcurrency(queued, active));
    for (const build of launches) {
      const scheduled = await this.builds.transition(build.id, 'SCHEDULING', this.newLease(), ['QUEUED']);
      if (!scheduled) continue;
      void this.runner
        .launch(scheduled, this.executor.resumable?.(scheduled) ? null : (scheduled.spec.nodeName ?? 'local'))
        .finally(() => this.wake());
    }
  }

  private newLease(): { runnerId: string; leaseExpiresAt: Date } {
    return { runnerId: this.runner.id, leaseExpiresAt: new Date(Date.now() + this.config.BUILD_LEASE_SECONDS * 1000) };
  }

  /** Keeps this runner's builds its own; stops those cancelled through another replica, and those taken over. */
  private async renewLeases(): Promise<void> {
    const ids = this.runner.runningIds;
    const held = await this.builds.renewLeases(this.runner.id, ids, this.newLease().leaseExpiresAt);
    for (const [id, status] of held) if (status === 'CANCELLING') this.runner.stop(id, 'cancel');
    // Not held any more: it ended elsewhere, or another replica took it over (its entry here may
    // also be one that just ended here, which a stop no longer changes).
    for (const id of ids) if (!held.has(id)) this.runner.stop(id, 'lost');
  }

  /** The oldest queued builds of each cluster, as many as its free slots. */
  private withinConcurrency(queued: BuildEntity[], active: Map<string, number>): BuildEntity[] {
    const busy = new Map(active);
    const chosen: BuildEntity[] = [];
    for (const build of queued) {
      const used = busy.get(build.clusterId) ?? 0;
      if (used >= this.config.BUILD_CONCURRENCY_PER_CLUSTER) continue;
      busy.set(build.clusterId, used + 1);
      chosen.push(build);
    }
    buildQueueDepth.set(queued.length - chosen.length);
    return chosen;
  }

  private async expireQueued(): Promise<void> {
    const cutoff = new Date(Date.now() - this.config.BUILD_QUEUE_TIMEOUT_SECONDS * 1000);
    for (const id of await this.builds.idsQueuedBefore(cutoff)) {
      await this.builds.transition(
        id,
        'EXPIRED',
        { message: `waited more than ${this.config.BUILD_QUEUE_TIMEOUT_SECONDS} s in the queue` },
        ['QUEUED'],
      );
    }
  }

  private async enforceDeadlines(): Promise<void> {
    const cutoff = new Date(Date.now() - this.config.BUILD_DEADLINE_SECONDS * 1000);
    for (const id of await this.builds.idsRunningStartedBefore(cutoff, this.runner.id)) {
      // Running here: the runner stops it and records TIMED_OUT. Elsewhere: nobody runs it any more.
      if (!this.runner.stop(id, 'deadline'))
        await this.builds.transition(id, 'TIMED_OUT', { message: 'the build passed its deadline' });
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
   * Builds whose lease ran out (their replica died, this process's own previous run among them):
   * a resumable one is followed again (a cancelled one is released and ends CANCELLED); any other
   * ends ERROR (EXECUTOR_LOST), or CANCELLED if it was being cancelled.
   */
  private async takeOverOrphans(): Promise<void> {
    const now = new Date();
    const unfinished = await this.builds.claimOrphans(this.runner.id, now, this.newLease().leaseExpiresAt);
    for (const build of unfinished) {
      if (this.runner.isRunning(build.id)) continue;
      if (this.executor.resumable?.(build)) {
        if (build.status === 'CANCELLING') {
          await this.executor.release?.(build);
          await this.builds.transition(build.id, 'CANCELLED', { message: 'cancelled by a user' });
        } else {
          void this.runner.launch(build, null).finally(() => this.wake());
        }
        continue;
      }
      if (build.status === 'CANCELLING')
        await this.builds.transition(build.id, 'CANCELLED', { message: 'cancelled while the builds service was down' });
      else
        await this.builds.transition(build.id, 'ERROR', {
          reason: 'EXECUTOR_LOST',
          message: 'the builds service stopped while this build ran',
        });
    }
    if (unfinished.length > 0) this.logger.warn(`took over ${unfinished.length} build(s) whose builds replica stopped`);
  }
}
