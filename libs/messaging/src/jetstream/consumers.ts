import {
  AckPolicy,
  ConsumerConfig,
  ConsumerInfo,
  ConsumerMessages,
  DeliverPolicy,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  MsgHdrs,
  nanos,
  NatsConnection,
  OrderedConsumerOptions,
} from 'nats';

import { decodeJson } from '../wire-format';
import { apiErrorCode } from './streams';
import { qualifyStreamName, qualifySubject, serverAtLeast, subjectMatches, unqualifySubject } from './subjects';

/** One message of a stream, as consumers see it. */
export interface StreamEvent<T = unknown> {
  /** The stream sequence: resume after it with `startAfterSequence`. */
  streamSequence: number;
  /** Unprefixed subject. */
  subject: string;
  /** The JSON payload, decoded. */
  data: T;
  /** Message headers (first value of each), `Nats-Msg-Id` (the event id) included. */
  headers: Record<string, string>;
  /** `Nats-Msg-Id`, when the publisher set one (the outbox relay always does). */
  eventId?: string;
  /** When JetStream stored the message. */
  storedAt: Date;
  /**
   * Messages still waiting for the consumer after this one (0: caught up). When filters are
   * applied in the client (several filters, NATS < 2.10), this counts the unfiltered stream.
   */
  pending: number;
}

export interface OrderedSubscriptionOptions {
  /** Logical stream name (as given to `JetStreamStreams.ensure`). */
  stream: string;
  /** The installation's subject prefix; `''` for none. */
  subjectPrefix?: string;
  /** Logical subject filter(s), wildcards allowed; all of the stream when absent. */
  filterSubject?: string;
  filterSubjects?: string[];
  /** Resume: deliver from the message after this stream sequence. */
  startAfterSequence?: number;
  /** Deliver only messages stored after the subscription starts. */
  deliverNew?: boolean;
}

/** An async iterable of stream events; `close()` (or leaving a `for await`) ends it. */
export interface OrderedSubscription<T = unknown> extends AsyncIterable<StreamEvent<T>> {
  /** The last stream sequence handed out (0 before the first). */
  readonly lastSequence: number;
  close(): Promise<void>;
}

/**
 * Follows a stream with an ordered consumer: an ephemeral, flow-controlled, un-acked consumer
 * that the client re-creates at the right sequence whenever it detects a gap, so events arrive
 * in stream order, each once. Resumable from any stream sequence (`startAfterSequence`).
 *
 * Several filter subjects need NATS 2.10; against an older server the consumer reads the whole
 * stream and the filters are applied here.
 */
export async function subscribeOrdered<T = unknown>(
  nc: NatsConnection,
  js: JetStreamClient,
  options: OrderedSubscriptionOptions,
): Promise<OrderedSubscription<T>> {
  if (options.deliverNew && options.startAfterSequence !== undefined) {
    throw new Error('subscribeOrdered: give either deliverNew or startAfterSequence, not both');
  }
  const prefix = options.subjectPrefix ?? '';
  const streamName = qualifyStreamName(prefix, options.stream);
  const filters = [...(options.filterSubject ? [options.filterSubject] : []), ...(options.filterSubjects ?? [])].map((subject) =>
    qualifySubject(prefix, subject),
  );
  const serverFilters = filters.length <= 1 || serverAtLeast(nc.info?.version, 2, 10) ? filters : [];
  const localFilters = serverFilters.length === filters.length ? undefined : filters;

  const consumerOptions: Partial<OrderedConsumerOptions> = {};
  if (serverFilters.length === 1) consumerOptions.filterSubjects = serverFilters[0];
  else if (serverFilters.length > 1) consumerOptions.filterSubjects = serverFilters;
  if (options.deliverNew) consumerOptions.deliver_policy = DeliverPolicy.New;
  else if (options.startAfterSequence && options.startAfterSequence > 0) {
    consumerOptions.opt_start_seq = options.startAfterSequence + 1;
  }

  // Fails fast on a missing stream (consume() alone would keep retrying).
  await js.streams.get(streamName);
  const consumer = await js.consumers.get(streamName, consumerOptions);
  const messages = await consumer.consume();

  let lastSequence = 0;
  let iterated = false;
  let stopped: Promise<void> | undefined;
  // The server would keep an ordered consumer for minutes after its client goes: delete it.
  const stop = () => (stopped ??= closeQuietly(messages).then(() => consumer.delete().then(noop, noop)));
  async function* iterate(): AsyncGenerator<StreamEvent<T>> {
    try {
      for await (const message of messages) {
        if (localFilters && !localFilters.some((filter) => subjectMatches(filter, message.subject))) continue;
        lastSequence = message.seq;
        yield toStreamEvent<T>(message, prefix);
      }
    } finally {
      await stop();
    }
  }
  return {
    get lastSequence() {
      return lastSequence;
    },
    [Symbol.asyncIterator]() {
      if (iterated) throw new Error('an ordered subscription can be iterated once');
      iterated = true;
      return iterate();
    },
    close: stop,
  };
}

/** A durable pull consumer with explicit acks: the way another service processes events. */
export interface DurableConsumerSpec {
  /** Logical stream name. */
  stream: string;
  subjectPrefix?: string;
  /** The consumer's name, e.g. the consuming service's: letters, digits, `_`, `-`. */
  durableName: string;
  /** Logical subject filter(s); several need NATS 2.10. */
  filterSubjects?: string[];
  /** Where a new consumer starts; default all. Ignored once the consumer exists. */
  deliver?: 'all' | 'new' | { afterSequence: number };
  /** Redeliver an unacked message after this long; default 30 s. */
  ackWaitMs?: number;
  /** Give up on a message after this many deliveries; default unlimited. */
  maxDeliver?: number;
  /** At most this many unacked messages in flight; default 1000. */
  maxAckPending?: number;
}

/** Creates the durable consumer, or brings the editable settings of an existing one up to date. */
export async function ensureDurableConsumer(jsm: JetStreamManager, spec: DurableConsumerSpec): Promise<ConsumerInfo> {
  const prefix = spec.subjectPrefix ?? '';
  const streamName = qualifyStreamName(prefix, spec.stream);
  const filters = (spec.filterSubjects ?? []).map((subject) => qualifySubject(prefix, subject));
  const config: Partial<ConsumerConfig> = {
    durable_name: spec.durableName,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(spec.ackWaitMs ?? 30_000),
    max_deliver: spec.maxDeliver ?? -1,
    max_ack_pending: spec.maxAckPending ?? 1000,
  };
  if (filters.length === 1) config.filter_subject = filters[0];
  else if (filters.length > 1) config.filter_subjects = filters;
  const deliver = spec.deliver ?? 'all';
  if (deliver === 'new') config.deliver_policy = DeliverPolicy.New;
  else if (deliver === 'all') config.deliver_policy = DeliverPolicy.All;
  else {
    config.deliver_policy = DeliverPolicy.StartSequence;
    config.opt_start_seq = deliver.afterSequence + 1;
  }
  try {
    const existing = await jsm.consumers.info(streamName, spec.durableName);
    const same =
      existing.config.ack_wait === config.ack_wait &&
      existing.config.max_deliver === config.max_deliver &&
      existing.config.max_ack_pending === config.max_ack_pending;
    if (same) return existing;
    return await jsm.consumers.update(streamName, spec.durableName, {
      ack_wait: config.ack_wait,
      max_deliver: config.max_deliver,
      max_ack_pending: config.max_ack_pending,
    });
  } catch (error) {
    if (apiErrorCode(error) !== 10014 /* consumer not found */) throw error;
    return jsm.consumers.add(streamName, config);
  }
}

export interface DurableConsumption {
  /** Stops pulling, lets the handler finish the message in hand, and resolves. */
  stop(): Promise<void>;
  /** Settles when consumption ends (after stop(), or with the error that ended it). */
  readonly done: Promise<void>;
}

/**
 * Processes a durable consumer's messages one at a time: the handler's success acks the message
 * (waiting for JetStream's confirmation), a throw naks it for redelivery after `retryDelayMs`.
 * Delivery is at least once: make the handler idempotent on `event.eventId` (or on
 * `event.streamSequence`).
 */
export async function consumeDurable<T = unknown>(
  js: JetStreamClient,
  spec: Pick<DurableConsumerSpec, 'stream' | 'subjectPrefix' | 'durableName'>,
  handler: (event: StreamEvent<T>) => Promise<void>,
  options: { maxMessages?: number; retryDelayMs?: number } = {},
): Promise<DurableConsumption> {
  const prefix = spec.subjectPrefix ?? '';
  const consumer = await js.consumers.get(qualifyStreamName(prefix, spec.stream), spec.durableName);
  const messages = await consumer.consume({ max_messages: options.maxMessages ?? 100 });
  const done = (async () => {
    for await (const message of messages) {
      let handled = false;
      try {
        await handler(toStreamEvent<T>(message, prefix));
        handled = true;
      } catch {
        message.nak(options.retryDelayMs ?? 1000);
      }
      // A confirmed ack: once stop() resolves, JetStream knows what was processed. An ack that is
      // lost anyway only means a redelivery after ack_wait.
      if (handled) await message.ackAck().catch(() => false);
    }
  })();
  return {
    done,
    stop: async () => {
      await closeQuietly(messages);
      await done;
    },
  };
}

function toStreamEvent<T>(message: JsMsg, prefix: string): StreamEvent<T> {
  const headers = headerRecord(message.headers);
  return {
    streamSequence: message.seq,
    subject: unqualifySubject(prefix, message.subject),
    data: decodeJson(message.data) as T,
    headers,
    eventId: headers['Nats-Msg-Id'],
    storedAt: new Date(Math.floor(message.info.timestampNanos / 1e6)),
    pending: message.info.pending,
  };
}

function headerRecord(headers: MsgHdrs | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  if (!headers) return record;
  for (const [key, values] of headers) record[key] = values[0] ?? '';
  return record;
}

function noop(): void {}

async function closeQuietly(messages: ConsumerMessages): Promise<void> {
  try {
    await messages.close();
  } catch {
    // already closed
  }
}
