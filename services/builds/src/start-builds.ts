import type { INestMicroservice, LoggerService, LogLevel } from '@nestjs/common';
import { startService } from '@stagecraft/messaging';

import { BuildsModule } from './builds.module';
import type { BuildsConfig } from './config';

/** Starts the builds service: used by main.ts, the dev launcher and in-process tests. */
export function startBuilds(config: BuildsConfig, logger?: LoggerService | LogLevel[] | false): Promise<INestMicroservice> {
  return startService(BuildsModule.forConfig(config), {
    name: 'builds',
    nats: config,
    settings: config,
    logger,
  });
}
