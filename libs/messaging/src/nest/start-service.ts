import { INestMicroservice, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  closeWithApp,
  createNestLogger,
  type LoggingSettings,
  type ObservabilitySettings,
  startObservabilityServer,
} from '@stagecraft/observability';
import type { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';

import type { NatsConfig } from '../nats-auth/nats-config';
import { NatsRpcServer } from '../nats-rpc.server';
import { NATS_CONNECTION } from './messaging.module';
import { RpcErrorFilter } from './rpc-error.filter';
import { rpcValidationPipe } from './rpc-validation.pipe';

export interface ServiceStartOptions {
  /** The service's name: its NATS identity and queue group. */
  name: string;
  nats: NatsConfig;
  /** LOG_LEVEL and LOG_FORMAT of the default logger, and where /metrics, /healthz and /readyz are served (the process's config has all). */
  settings?: LoggingSettings & Partial<ObservabilitySettings>;
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
    logger: options.logger ?? createNestLogger(options.name, options.settings),
  });
  app.useGlobalPipes(rpcValidationPipe());
  app.useGlobalFilters(new RpcErrorFilter());
  app.enableShutdownHooks();
  await app.listen();
  if (options.settings?.OBSERVABILITY_PORT) await serveObservability(app, options.settings as ObservabilitySettings);
  return app;
}

/** /metrics, /healthz and /readyz (ready: NATS connected, and the database answering where there is one). */
async function serveObservability(app: INestMicroservice, settings: ObservabilitySettings): Promise<void> {
  const nats = app.get<NatsConnection>(NATS_CONNECTION);
  const database = databaseOf(app);
  const server = await startObservabilityServer({
    port: settings.OBSERVABILITY_PORT,
    host: settings.OBSERVABILITY_HOST,
    readiness: {
      nats: async () => (nats.isClosed() ? 'the NATS connection is closed' : null),
      ...(database && { database: async () => (await database.query('SELECT 1'), null) }),
    },
  });
  closeWithApp(app, server);
}

function databaseOf(app: INestMicroservice): DataSource | undefined {
  try {
    return app.get(DataSource, { strict: false });
  } catch {
    return undefined; // a service without a database
  }
}
