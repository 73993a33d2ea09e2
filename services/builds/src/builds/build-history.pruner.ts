import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { BuildsConfig } from '../config';
import type { BuildHistoryPolicy } from './domain/build-history';
import { BuildRepository } from './infra/build.repository';

/**
 * Prunes finished build history on a timer (BUILD_HISTORY_PRUNE_INTERVAL_SECONDS), by the
 * platform's policy (BUILD_HISTORY_*). Every replica prunes; the deletion is one idempotent
 * statement, so two at once delete each build once.
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
    config: BuildsConfig,
  ) {
    this.policy = {
      keepSucceeded: config.BUILD_HISTORY_KEEP_SUCCEEDED,
      keepFailed: config.BUILD_HISTORY_KEEP_FAILED,
      maxAgeSeconds: config.BUILD_HISTORY_MAX_AGE_DAYS * 86_400,
    };
    this.intervalMs = config.BUILD_HISTORY_PRUNE_INTERVAL_SECONDS * 1000;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.pruning ??= this.prune(new Date())
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
