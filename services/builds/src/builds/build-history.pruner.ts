import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { CoalescedTask } from '../coalesced-task';
import { BuildsConfig } from '../config';
import { type BuildHistoryPolicy, platformBuildHistoryPolicy } from './domain/build-history';
import { BuildRepository } from './infra/build.repository';
import { BuildEventsPurge } from './infra/build-events.purge';
import { PrunedImageRemover } from './pruned-image.remover';

/**
 * Prunes finished build history on a timer (BUILD_HISTORY_PRUNE_INTERVAL_SECONDS), each job by
 * its own policy, its project's or the platform's (BUILD_HISTORY_*), with their logs and their
 * events in the BUILD_EVENTS stream, then deletes the images of
 * pruned builds whose policy says so (PrunedImageRemover). Every replica prunes; the deletion is
 * one idempotent statement, so two at once delete each build once.
 */
@Injectable()
export class BuildHistoryPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BuildHistoryPruner');
  private timer?: NodeJS.Timeout;
  private readonly passes = new CoalescedTask(
    () => {
      const now = new Date();
      return this.prune(now).then(() => this.images.removeDue(now));
    },
    (error) => this.logger.warn(`pruning build history failed: ${error.message}`),
  );
  readonly policy: BuildHistoryPolicy;
  private readonly intervalMs: number;

  constructor(
    private readonly builds: BuildRepository,
    private readonly events: BuildEventsPurge,
    private readonly images: PrunedImageRemover,
    config: BuildsConfig,
  ) {
    this.policy = platformBuildHistoryPolicy(config);
    this.intervalMs = config.BUILD_HISTORY_PRUNE_INTERVAL_SECONDS * 1000;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.passes.wake(), this.intervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.passes.stop();
  }

  /** One pass as of `now`: the builds, their logs and their stored events; answers the ids of the builds deleted. */
  async prune(now: Date): Promise<string[]> {
    const deleted = await this.builds.pruneHistory(this.policy, now);
    if (deleted.length === 0) return [];
    const events = await this.events.purge(deleted);
    this.logger.log(`pruned ${deleted.length} finished builds, their logs and ${events} stored events`);
    return deleted.map((build) => build.id);
  }
}
