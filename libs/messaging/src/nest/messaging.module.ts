import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { connect, type NatsConnection } from 'nats';

import { type NatsConfig, natsConnectionOptionsFor } from '../nats-auth/nats-config';
import { NatsConnectionStatus } from '../nats-connection-status';
import { NATS_CONNECTION_OPTIONS, NatsRpcClient } from '../nats-rpc.client';

export interface MessagingOptions {
  /** The process's NATS identity (also the connection name the server shows). */
  name: string;
  nats: NatsConfig;
  requestTimeoutMs?: number;
}

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

@Injectable()
class ConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly connection: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.connection.isClosed()) await this.connection.drain();
  }
}

/** One NATS connection per process, and the typed request client on top of it. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        {
          provide: NATS_CONNECTION,
          useFactory: () =>
            connect({
              ...natsConnectionOptionsFor(options.name, options.nats),
              maxReconnectAttempts: -1,
              ...NATS_CONNECTION_OPTIONS,
            }),
        },
        // Whether that connection is up, for /readyz; its reconnects, for /metrics.
        {
          provide: NatsConnectionStatus,
          inject: [NATS_CONNECTION],
          useFactory: (connection: NatsConnection) => new NatsConnectionStatus(connection, 'client'),
        },
        {
          provide: NatsRpcClient,
          inject: [NATS_CONNECTION],
          useFactory: (connection: NatsConnection) =>
            new NatsRpcClient(connection, {
              subjectPrefix: options.nats.NATS_SUBJECT_PREFIX,
              timeoutMs: options.requestTimeoutMs ?? 10_000,
            }),
        },
        ConnectionCloser,
      ],
      exports: [NATS_CONNECTION, NatsRpcClient, NatsConnectionStatus],
    };
  }
}
