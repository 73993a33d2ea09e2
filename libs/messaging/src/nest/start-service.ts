import { INestMicroservice, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import type { NatsConfig } from '../nats-auth/nats-config';
import { NatsRpcServer } from '../nats-rpc.server';
import { RpcErrorFilter } from './rpc-error.filter';
import { rpcValidationPipe } from './rpc-validation.pipe';

export interface ServiceStartOptions {
  /** The service's name: its NATS identity and queue group. */
  name: string;
  nats: NatsConfig;
  logger?: LoggerService | LogLevel[] | false;
}

/** Creates and starts a service: NATS transport in the service's queue group, validation, error masking. */
export async function startService(
  module: Parameters<typeof NestFactory.createMicroservice>[0],
  options: ServiceStartOptions,
): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(module, {
    strategy: new NatsRpcServer({ queue: options.name, nats: options.nats }),
    logger: options.logger,
  });
  app.useGlobalPipes(rpcValidationPipe());
  app.useGlobalFilters(new RpcErrorFilter());
  app.enableShutdownHooks();
  await app.listen();
  return app;
}
