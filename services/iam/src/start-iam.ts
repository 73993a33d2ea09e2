import type { INestMicroservice, LoggerService, LogLevel } from '@nestjs/common';
import { startService } from '@stagecraft/messaging';

import type { IamConfig } from './config';
import { IamModule } from './iam.module';

/** Starts the iam service: used by main.ts, the dev launcher and in-process tests. */
export function startIam(config: IamConfig, logger?: LoggerService | LogLevel[] | false): Promise<INestMicroservice> {
  return startService(IamModule.forConfig(config), {
    name: 'iam',
    nats: config,
    settings: config,
    logger,
  });
}
