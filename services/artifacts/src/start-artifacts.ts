import type { INestMicroservice, LoggerService, LogLevel } from '@nestjs/common';
import { startService } from '@stagecraft/messaging';

import { ArtifactsModule } from './artifacts.module';
import type { ArtifactsConfig } from './config';

/** Starts the artifacts service: used by main.ts, the dev launcher and in-process tests. */
export function startArtifacts(config: ArtifactsConfig, logger?: LoggerService | LogLevel[] | false): Promise<INestMicroservice> {
  return startService(ArtifactsModule.forConfig(config), {
    name: 'artifacts',
    nats: config,
    settings: config,
    logger,
  });
}
