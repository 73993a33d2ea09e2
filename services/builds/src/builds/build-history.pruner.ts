import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { BuildsConfig } from '../config';
import { type BuildHistoryPolicy, platformBuildHistoryPolicy } from './domain/build-history';
import { BuildRepository } from './infra/build.repository';
import { PrunedImageRemover } from './pruned-image.remover';

/**
 * Prunes finished build history on a timer (BUILD_HISTORY_PRUNE_INTERVAL_SECONDS), each job by
 * its own policy, its project's or the platform's (BUILD_HISTORY_*), then deletes the images of
 * pruned builds whose policy says so (PrunedImageRemover). Every replica prunes; the deletion is
 * one idempotent statement, so two at once delete each build once.
 */
@Injectable()
export class BuildHistoryPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BuildHistoryPruner');
  private timer?: NodeJS.Timeout;
  private pruning?: Promise<unknown>;
  readonly policy: BuildHistoryPolicy;
  private readonly intervalMs: number;

  constructor(
    private readonly builds: BuildRepository,
    private readonly images: PrunedImageRemover,
    config: BuildsConfig,
  ) {
    this.policy = platformBuildHistoryPolicy(config);
    this.intervalMs = config.BUILD_HISTORY_PRUNE_INTERVAL_SECONDS * 1000;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      const now = new Date();
      this.pruning ??= this.prune(now)
        .then(() => this.images.removeDue(now))
        .catch((error: unknown) => this.logger.warn(`pruning build history failed: ${(error as Error).message}`))
        .finally(() => (this.pruning = undefined));
    }, this.intervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.pruning;
  }

  /** One pass as of `now`; answers the ids of the builds deleted. */
  async prune(now: Date): Promise<string[]> {
    const deleted = await this.builds.pruneHistory(this.policy, now);
    if (deleted.length > 0) this.logger.log(`pruned ${deleted.length} finished builds and their logs`);
    return deleted;
  }
}
