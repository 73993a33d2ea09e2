import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ALL_BUILD_EVENTS, BUILD_EVENTS_STREAM, buildCloudEventHeaders, type BuildEventDto } from '@stagecraft/contracts';
import { JetStreamStreams, NatsRpcClient, OutboxRelay, type StreamSpec } from '@stagecraft/messaging';

import { BuildsConfig } from '../config';
import { BUILD_EVENTS_TABLE } from './infra/build-events.outbox';

/** The stream BUILD_EVENTS as the relay publishes to it and consumers read it. */
export function buildEventsStream(config: BuildsConfig): StreamSpec {
  return {
    name: BUILD_EVENTS_STREAM,
    subjects: [ALL_BUILD_EVENTS],
    subjectPrefix: config.NATS_SUBJECT_PREFIX,
    maxAgeMs: 7 * 24 * 3600 * 1000,
    description: 'Every state change of every build, in commit order',
  };
}

/** Publishes committed build events from the outbox to the JetStream stream BUILD_EVENTS. */
@Injectable()
export class BuildEventsRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: OutboxRelay;

  constructor(
    private readonly nats: NatsRpcClient,
    private readonly config: BuildsConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await JetStreamStreams.ensure(await this.nats.connection.jetstreamManager(), buildEventsStream(this.config));
    this.relay = new OutboxRelay({
      connectionString: this.config.DATABASE_URL,
      table: `${this.config.DATABASE_SCHEMA}.${BUILD_EVENTS_TABLE}`,
      channel: BUILD_EVENTS_TABLE,
      nats: this.nats,
      stream: BUILD_EVENTS_STREAM,
      prune: { afterMs: 24 * 3600 * 1000 },
      // CloudEvents NATS binding (docs/events.md#cloudevents): attributes as ce-* headers, body unchanged.
      headersOf: (row) => buildCloudEventHeaders(row.payload as BuildEventDto),
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
