import { INestMicroservice, LoggerService, LogLevel } from '@nestjs/common';
import { ModuleRef, NestFactory } from '@nestjs/core';
import {
  createNestLogger,
  type LoggingSettings,
  type ObservabilitySettings,
  ObservabilityShutdown,
  startObservabilityServer,
} from '@stagecraft/observability';
import type { DataSource } from 'typeorm';

import type { NatsConfig } from '../nats-auth/nats-config';
import { NatsConnectionStatus } from '../nats-connection-status';
import { NatsRpcServer } from '../nats-rpc.server';
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
  const strategy = new NatsRpcServer({ queue: options.name, nats: options.nats });
  const app = await NestFactory.createMicroservice(module, {
    strategy,
    // An instance, not one from DI: Nest's first boot line and a failed start's error go through it,
    // with nothing to buffer (bufferLogs is for loggers the app provides itself).
    logger: options.logger ?? createNestLogger(options.name, options.settings),
  });
  app.useGlobalPipes(rpcValidationPipe());
  app.useGlobalFilters(new RpcErrorFilter());
  app.enableShutdownHooks();
  await app.listen();
  // Only once it listens: a probe that passes means requests are being taken.
  if (options.settings?.OBSERVABILITY_PORT) await serveObservability(app, strategy, options.settings as ObservabilitySettings);
  return app;
}

/**
 * /metrics, /healthz and /readyz. Ready: both NATS connections up (the client's, which requests
 * leave on, and the transport's, which they arrive on) and, where there is one, the database answering.
 */
async function serveObservability(app: INestMicroservice, strategy: NatsRpcServer, settings: ObservabilitySettings) {
  const shutdown = optional(app, ObservabilityShutdown);
  if (!shutdown) throw new Error('OBSERVABILITY_PORT needs ObservabilityModule in the service (serviceModule imports it)');
  const connections = [optional(app, NatsConnectionStatus), strategy.connectionStatus];
  // typeorm is loaded here, not at the top: the gateway loads this library and has no database
  // (a service's own modules have loaded it already).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const database = optional<DataSource>(app, (require('typeorm') as typeof import('typeorm')).DataSource);
  const server = await startObservabilityServer({
    port: settings.OBSERVABILITY_PORT,
    host: settings.OBSERVABILITY_HOST,
    readiness: {
      nats: async () => connections.map((connection) => connection?.problem()).find(Boolean) ?? null,
      ...(database && { database: async () => (await database.query('SELECT 1'), null) }),
    },
  });
  shutdown.closeOnShutdown(server);
}

/**
 * A provider the service may not have (a database, the messaging module). Through ModuleRef: the
 * app's own `get` ends the process when it finds nothing (Nest's abortOnError).
 */
function optional<T>(app: INestMicroservice, token: abstract new (...args: never[]) => T): T | undefined {
  try {
    return app.get(ModuleRef).get(token, { strict: false });
  } catch {
    return undefined;
  }
}
