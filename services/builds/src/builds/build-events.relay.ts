import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ALL_BUILD_EVENTS, BUILD_EVENTS_STREAM } from '@stagecraft/contracts';
import { JetStreamStreams, NatsRpcClient, OutboxRelay } from '@stagecraft/messaging';

import { BuildsConfig } from '../config';
import { BUILD_EVENTS_TABLE } from './infra/build-events.outbox';

/** Publishes committed build events from the outbox to the JetStream stream BUILD_EVENTS. */
@Injectable()
export class BuildEventsRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: OutboxRelay;

  constructor(
    private readonly nats: NatsRpcClient,
    private readonly config: BuildsConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await JetStreamStreams.ensure(await this.nats.connection.jetstreamManager(), {
      name: BUILD_EVENTS_STREAM,
      subjects: [ALL_BUILD_EVENTS],
      subjectPrefix: this.config.NATS_SUBJECT_PREFIX,
      maxAgeMs: 7 * 24 * 3600 * 1000,
      description: 'Every state change of every build, in commit order',
    });
    this.relay = new OutboxRelay({
      connectionString: this.config.DATABASE_URL,
      table: `${this.config.DATABASE_SCHEMA}.${BUILD_EVENTS_TABLE}`,
      channel: BUILD_EVENTS_TABLE,
      nats: this.nats,
      stream: BUILD_EVENTS_STREAM,
      prune: { afterMs: 24 * 3600 * 1000 },
      logger: new Logger('BuildEventsRelay'),
    });
    await this.relay.start();
  }

  /** Publishes everything committed so far (tests and shutdown). */
  flush(): Promise<void> {
    return this.relay?.flush() ?? Promise.resolve();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}
