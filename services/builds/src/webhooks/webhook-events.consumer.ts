import { randomUUID } from 'node:crypto';

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  ALL_BUILD_EVENTS,
  BUILD_EVENTS_STREAM,
  buildCloudEvent,
  type BuildEventDto,
  WEBHOOKS_DURABLE_CONSUMER,
} from '@stagecraft/contracts';
import {
  consumeDurable,
  type DurableConsumerSpec,
  type DurableConsumption,
  ensureDurableConsumer,
  JetStreamStreams,
  NatsRpcClient,
} from '@stagecraft/messaging';

import { buildEventsStream } from '../builds/build-events.relay';
import { BuildsConfig } from '../config';
import { webhookMatches } from './domain/webhook';
import { WebhookRepository } from './infra/webhook.repository';
import { WebhookDispatcher } from './webhook.dispatcher';

/**
 * Turns build events into deliveries: every event of BUILD_EVENTS is matched against its
 * project's enabled webhooks and a delivery is stored per match before the event is acked, so an
 * event is never lost between JetStream and Postgres; a redelivered event adds nothing
 * (one delivery per webhook and event id).
 */
@Injectable()
export class WebhookEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WebhookEventsConsumer');
  private consumption?: DurableConsumption;

  constructor(
    private readonly nats: NatsRpcClient,
    private readonly config: BuildsConfig,
    private readonly repository: WebhookRepository,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const spec: DurableConsumerSpec = {
      stream: BUILD_EVENTS_STREAM,
      subjectPrefix: this.config.NATS_SUBJECT_PREFIX,
      durableName: WEBHOOKS_DURABLE_CONSUMER,
      filterSubjects: [ALL_BUILD_EVENTS],
      // A new installation's webhooks start with the events after it, not a week of history.
      deliver: 'new',
      ackWaitMs: 30_000,
    };
    // The relay ensures the stream too; hooks of one module run concurrently, so either may be first.
    await JetStreamStreams.ensure(await this.nats.connection.jetstreamManager(), buildEventsStream(this.config));
    await ensureDurableConsumer(await this.nats.connection.jetstreamManager(), spec);
    this.consumption = await consumeDurable<BuildEventDto>(this.nats.connection.jetstream(), spec, (event) =>
      this.handle(event.data),
    );
    this.consumption.done.catch((error: unknown) =>
      this.logger.error(`consuming build events stopped: ${(error as Error).message}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumption?.stop();
  }

  /** Stores a delivery for each webhook the event matches, then wakes the dispatcher. */
  async handle(event: BuildEventDto): Promise<void> {
    const webhooks = await this.repository.enabledInProject(event.build.accountId, event.build.enterpriseProjectId);
    const matching = webhooks.filter((webhook) => webhookMatches(webhook, event));
    if (matching.length === 0) return;
    const cloudEvent = buildCloudEvent(event);
    const body = JSON.stringify(cloudEvent);
    await this.repository.enqueue(
      matching.map((webhook) => ({
        id: randomUUID(),
        webhookId: webhook.id,
        eventId: event.eventId,
        eventType: cloudEvent.type,
        body,
      })),
      new Date(),
    );
    this.dispatcher.wake();
  }
}
