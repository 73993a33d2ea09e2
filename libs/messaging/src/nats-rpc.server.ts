// Nest 12's NATS transport connects with the @nats-io/transport-node client (the rest of the
// platform, JetStream included, uses the classic `nats` package): this server's connection, its
// messages and subscriptions are that client's.
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { CustomTransportStrategy, MessageHandler, NatsContext, NatsOptions, ServerNats } from '@nestjs/microservices';
import type { Span } from '@opentelemetry/api';
import { ServiceError } from '@stagecraft/contracts';
import { endSpan, rpcRequestDuration, startHandlerSpan, traceContext } from '@stagecraft/observability';
import { finalize, isObservable } from 'rxjs';

import { type NatsConfig, natsConnectionOptionsFor } from './nats-auth/nats-config';
import { NatsConnectionStatus } from './nats-connection-status';
import { NATS_CONNECTION_OPTIONS } from './nats-rpc.client';
import { parsePayload } from './nest/payload-text';
import { rememberReplySubject } from './nest/rpc-sender';
import { OutboundBatch } from './outbound-batch';
import { encodeJson } from './wire-format';

export interface NatsRpcServerOptions {
  /** The service's name: its NATS identity and its queue group, so replicas share requests. */
  queue: string;
  nats: NatsConfig;
}

/**
 * Nest's NATS transport with Stagecraft's wire format (bare JSON requests, `{data}` or
 * `{error}` replies), a subject prefix, and event handlers outside the queue group so that
 * every replica sees every event (cache invalidation needs that).
 */
export class NatsRpcServer extends ServerNats implements CustomTransportStrategy {
  private readonly subjectPrefix: string;
  private readonly queue: string;
  private readonly ownSubscriptions: Subscription[] = [];
  private readonly replies = new OutboundBatch();
  private readonly handling = new WeakMap<Msg, Handling>();
  /** This server's own connection (Nest's transport opens one apart from the client's), once it listens. */
  connectionStatus?: NatsConnectionStatus;

  constructor(options: NatsRpcServerOptions) {
    const natsOptions: NatsOptions['options'] = {
      ...natsConnectionOptionsFor(options.queue, options.nats),
      queue: options.queue,
      ...NATS_CONNECTION_OPTIONS,
      serializer: { serialize: serializeReply },
      deserializer: { deserialize: deserializeRequest },
    };
    super(natsOptions);
    this.subjectPrefix = options.nats.NATS_SUBJECT_PREFIX;
    this.queue = options.queue;
  }

  /** Nest follows the connection's status to log it; this follows it for /readyz and /metrics as well. */
  override handleStatusUpdates(client: NatsConnection): Promise<void> {
    this.connectionStatus = new NatsConnectionStatus(client, 'server');
    return super.handleStatusUpdates(client);
  }

  override bindEvents(client: NatsConnection): void {
    for (const [pattern, handler] of this.messageHandlers) {
      const subscription = client.subscribe(`${this.subjectPrefix}${pattern}`, {
        queue: handler.isEventHandler ? undefined : this.queue,
        callback: this.measured(pattern, this.getMessageHandler(pattern).bind(this)),
      });
      this.ownSubscriptions.push(subscription);
    }
  }

  /**
   * Each message is timed, and handled in a span continuing the sender's trace when it carries one
   * (its `traceparent` header); a request ends when its reply leaves (getPublisher), an event when handled.
   */
  private measured(subject: string, handle: (error: Error | null, message: Msg) => Promise<unknown>) {
    return (error: Error | null, message: Msg): void => {
      const { span, context } = startHandlerSpan(subject, message?.headers);
      const handling: Handling = { subject, span, startedAt: performance.now(), ended: false };
      if (message) this.handling.set(message, handling);
      void traceContext
        .with(context, () => handle(error, message))
        .then(
          () => message?.reply || finish(handling),
          (failure: unknown) => finish(handling, failure),
        );
    };
  }

  /**
   * Replies leave with the others of the same loop turn (see OutboundBatch). The reply subject
   * is remembered for rpcSenderOf: it names the process that sent the request.
   */
  override getPublisher(natsMsg: unknown, id: string, context: NatsContext): (response: unknown) => void {
    rememberReplySubject(context, (natsMsg as { reply?: string }).reply);
    const publish = super.getPublisher(natsMsg, id, context);
    const handling = this.handling.get(natsMsg as Msg);
    return (response) => {
      if (handling) finish(handling, (response as WritePacketLike).err);
      this.replies.add(() => publish(response));
    };
  }

  /**
   * A request is answered with what its handler returns. Nest's handler runs guards, pipes,
   * interceptors and error filters as always; Nest's transport would then turn a plain answer into
   * an observable and send it from a subscription, a few rxjs objects and a tick per request for a
   * value already in hand. An observable answer (a handler's stream, or an error filter's failure)
   * still goes Nest's way. Events, and subjects without a handler, are Nest's alone.
   */
  override async handleMessage(channel: string, natsMsg: Msg): Promise<void> {
    const handler = natsMsg.reply ? this.getHandlerByPattern(channel) : null;
    if (!handler) return super.handleMessage(channel, natsMsg);
    const context = new NatsContext([natsMsg.subject, natsMsg.headers]);
    const { data, id } = deserializeRequest(natsMsg, { channel, replyTo: natsMsg.reply });
    const publish = this.getPublisher(natsMsg, id!, context);
    return this.runWithProcessingHooks(context, async (runEndHook) => {
      const answer: unknown = await handler(data, context);
      if (isObservable(answer)) {
        this.send(answer.pipe(finalize(runEndHook)), publish);
        return;
      }
      runEndHook();
      publish({ response: answer, isDisposed: true });
    });
  }

  /** Subjects are plain strings: Nest's lookup would first try (and fail) to parse each one as JSON. */
  override getHandlerByPattern(pattern: string): MessageHandler | null {
    return this.messageHandlers.get(pattern) ?? null;
  }

  override async close(): Promise<void> {
    for (const subscription of this.ownSubscriptions.splice(0)) subscription.unsubscribe();
    await super.close();
  }
}

/**
 * A request without a reply subject is an event: Nest tells them apart by `id`. Nest 12 hands
 * over the whole message (Nest 11 gave its payload alone).
 */
function deserializeRequest(message: Pick<Msg, 'data'>, options?: { channel?: string; replyTo?: string }) {
  let data: unknown;
  try {
    data = parsePayload(message.data);
  } catch {
    data = undefined;
  }
  return { pattern: options?.channel, data, id: options?.replyTo };
}

interface WritePacketLike {
  response?: unknown;
  err?: unknown;
}

/** A message being handled: its span and when it arrived. */
interface Handling {
  subject: string;
  span: Span | undefined;
  startedAt: number;
  ended: boolean;
}

function finish(handling: Handling, error?: unknown): void {
  if (handling.ended) return;
  handling.ended = true;
  const outcome = error === undefined ? 'ok' : errorCodeOf(error);
  rpcRequestDuration.observe({ subject: handling.subject, outcome }, (performance.now() - handling.startedAt) / 1000);
  endSpan(handling.span, error);
}

/** The code the reply carries (serializeReply): a ServiceError's own, or what its body says. */
function errorCodeOf(error: unknown): string {
  return (error instanceof ServiceError ? error : ServiceError.fromBody(error)).code;
}

function serializeReply(packet: WritePacketLike) {
  if (packet.err !== undefined) {
    const error = packet.err instanceof ServiceError ? packet.err.toBody() : ServiceError.fromBody(packet.err).toBody();
    return { data: encodeJson({ error }) };
  }
  return { data: encodeJson({ data: packet.response ?? null }) };
}
