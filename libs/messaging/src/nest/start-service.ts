import { INestMicroservice, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createNestLogger, type LoggingSettings } from '@stagecraft/observability';

import type { NatsConfig } from '../nats-auth/nats-config';
import { NatsRpcServer } from '../nats-rpc.server';
import { RpcErrorFilter } from './rpc-error.filter';
import { rpcValidationPipe } from './rpc-validation.pipe';

export interface ServiceStartOptions {
  /** The service's name: its NATS identity and queue group. */
  name: string;
  nats: NatsConfig;
  /** LOG_LEVEL and LOG_FORMAT of the default logger (the process's config has both). */
  logging?: LoggingSettings;
  /** Instead of the default (pino JSON lines on stdout): Nest's console at these levels, none, or another. */
  logger?: LoggerService | LogLevel[] | false;
}

/** Creates and starts a service: NATS transport in the service's queue group, validation, error masking. */
export async function startService(
  module: Parameters<typeof NestFactory.createMicroservice>[0],
  options: ServiceStartOptions,
): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(module, {
    strategy: new NatsRpcServer({ queue: options.name, nats: options.nats }),
    // An instance, not one from DI: Nest's first boot line and a failed start's error go through it,
    // with nothing to buffer (bufferLogs is for loggers the app provides itself).
    logger: options.logger ?? createNestLogger(options.name, options.logging),
  });
  app.useGlobalPipes(rpcValidationPipe());
  app.useGlobalFilters(new RpcErrorFilter());
  app.enableShutdownHooks();
  await app.listen();
  return app;
}
