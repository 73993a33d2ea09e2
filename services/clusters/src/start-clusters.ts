import type { INestMicroservice, LoggerService, LogLevel } from '@nestjs/common';
import { startService } from '@stagecraft/messaging';

import { ClustersModule } from './clusters.module';
import type { ClustersConfig } from './config';

/** Starts the clusters service: used by main.ts, the dev launcher and in-process tests. */
export function startClusters(config: ClustersConfig, logger?: LoggerService | LogLevel[] | false): Promise<INestMicroservice> {
  return startService(ClustersModule.forConfig(config), {
    name: 'clusters',
    nats: config,
    settings: config,
    logger,
  });
}
