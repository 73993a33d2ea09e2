import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { logLevelsUpTo } from '@stagecraft/config';

import type { GatewayConfig } from './config';
import { GatewayModule } from './gateway.module';

/** Starts the gateway: used by main.ts, the dev launcher and in-process tests. */
export async function startGateway(
  config: GatewayConfig,
  logger?: LoggerService | LogLevel[] | false,
): Promise<INestApplication> {
  const app = await NestFactory.create(GatewayModule.forConfig(config), { logger: logger ?? logLevelsUpTo(config.LOG_LEVEL) });
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);
  return app;
}
