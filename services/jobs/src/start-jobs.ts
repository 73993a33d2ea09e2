import type { INestMicroservice, LoggerService, LogLevel } from '@nestjs/common';
import { startService } from '@stagecraft/messaging';

import type { JobsConfig } from './config';
import { JobsModule } from './jobs.module';

/** Starts the jobs service: used by main.ts, the dev launcher and in-process tests. */
export function startJobs(config: JobsConfig, logger?: LoggerService | LogLevel[] | false): Promise<INestMicroservice> {
  return startService(JobsModule.forConfig(config), {
    name: 'jobs',
    nats: config,
    settings: config,
    logger,
  });
}
