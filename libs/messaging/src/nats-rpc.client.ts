import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  ErrorCode,
  EventOf,
  EventSubject,
  Headers as HeaderNames,
  READ_SUBJECTS,
  RequestOf,
  ResponseOf,
  ServiceError,
  Subject,
} from '@stagecraft/contracts';
import { endSpan, eventTraceHeaders, startHandlerSpan, startRequestSpan, traceContext } from '@stagecraft/observability';
import {
  ConnectionOptions,
  ErrorCode as NatsErrorCode,
  headers as natsHeaders,
  NatsConnection,
  NatsError,
  Subscription,
} from 'nats';

import { OutboundBatch } from './outbound-batch';
import { decodeJson, encodeJson, unwrapReply } from './wire-format';

/**
 * Settings of every Stagecraft NATS connection. Without `noAsyncTraces`, nats.js captures two
 * stack traces per request (for a timeout's message); failures become ServiceErrors here, which
 * carry no stack, so those traces were never read.
 */
export const NATS_CONNECTION_OPTIONS = { noAsyncTraces: true } as const satisfies ConnectionOptions;

/** Who a request is made for: travels in NATS headers. */
export interface RequestMeta {
  token?: string;
  correlationId?: string;
}

export interface NatsRpcClientOptions {
  /** Prepended to every subject, so several installations (or test runs) share one NATS. */
  subjectPrefix: string;
  /** How long a request waits for a reply that a responder is working on. */
  timeoutMs: number;
}

/**
 * The typed request client. A request nobody listens to fails at once with UNAVAILABLE
 * (NATS answers "no responders"), not after the timeout.
 */
export class NatsRpcClient {
  private readonly outbound = new OutboundBatch();

  constructor(
    readonly connection: NatsConnection,
    private readonly options: NatsRpcClientOptions,
  ) {}

  /** `timeoutMs` overrides the client's default for requests known to take long (reading a 2 GiB package). */
  async send<S extends Subject>(
    subject: S,
    payload: RequestOf<S>,
    meta: RequestMeta = {},
    options: { timeoutMs?: number } = {},
  ): Promise<ResponseOf<S>> {
    const headers = natsHeaders();
    headers.set(HeaderNames.correlationId, meta.correlationId ?? randomUUID());
    if (meta.token) headers.set(HeaderNames.authorization, `Bearer ${meta.token}`);
    const span = startRequestSpan(subject, headers);
    const timeout = options.timeoutMs ?? this.options.timeoutMs;
    const read = READ_SUBJECTS.has(subject);
    const data = encodeJson(payload);
    const request = (timeoutMs: number) =>
      this.outbound.defer(() => this.connection.request(this.qualify(subject), data, { timeout: timeoutMs, headers }));
    try {
      let reply;
      try {
        // A read the replica took with it when it died is only noticed by its timeout: a read's
        // first attempt waits less, unless the caller said it takes long.
        reply = await request(read && options.timeoutMs === undefined ? Math.min(timeout, READ_ATTEMPT_TIMEOUT_MS) : timeout);
      } catch (error) {
        if (!read || !isLostRequest(error)) throw error;
        // A read is safe to send again: another replica answers, or the restarted one.
        if ((error as NatsError).code === NatsErrorCode.NoResponders) await sleep(NO_RESPONDERS_RETRY_MS);
        reply = await request(timeout);
      }
      const answer = unwrapReply<ResponseOf<S>>(reply.data);
      endSpan(span);
      return answer;
    } catch (error) {
      endSpan(span, error);
      throw toServiceError(error, subject);
    }
  }

  /**
   * A fire-and-forget event (every subscriber receives it; no queue group). It leaves at once, not
   * with this turn's batch of requests: a request sent earlier in the same turn may follow it.
   */
  publish<S extends EventSubject>(subject: S, event: EventOf<S>): void {
    // Inside a trace, the handlers' spans join it; outside one (always, without tracing) no headers.
    const headers = eventTraceHeaders(natsHeaders);
    this.connection.publish(this.qualify(subject), encodeJson(event), headers && { headers });
  }

  /**
   * The events published on `subject`: to every subscriber, or to one of each `queue` group.
   * What arrives is only as typed as its sender was honest: handlers validate what they store.
   */
  subscribeToEvents<S extends EventSubject>(subject: S, handlers: EventHandlers<EventOf<S>>): Subscription {
    return this.connection.subscribe(this.qualify(subject), {
      queue: handlers.queue,
      callback: (error, message) => {
        if (error) return;
        let event: EventOf<S>;
        try {
          event = decodeJson(message.data) as EventOf<S>;
        } catch {
          return handlers.onUnreadable();
        }
        // In the publisher's trace when it sent one: what the handler starts (its SQL) joins it.
        const { span, context } = startHandlerSpan(subject, message.headers);
        try {
          traceContext.with(context, () => handlers.onEvent(event));
        } finally {
          endSpan(span);
        }
      },
    });
  }

  qualify(subject: string): string {
    return `${this.options.subjectPrefix}${subject}`;
  }
}

export interface EventHandlers<E> {
  /** A queue group: each event goes to one subscriber of the group (one replica of a service). */
  queue?: string;
  onEvent(event: E): void;
  /** A message that is not JSON. */
  onUnreadable(): void;
}

/** How long a read's first attempt waits for its answer (reads answer in milliseconds). */
const READ_ATTEMPT_TIMEOUT_MS = 2_000;

/** How long a read waits before asking again when no replica listened (one may be restarting). */
const NO_RESPONDERS_RETRY_MS = 250;

/** The request may never have reached a handler, or its handler died: nobody answered. */
function isLostRequest(error: unknown): boolean {
  return error instanceof NatsError && (error.code === NatsErrorCode.Timeout || error.code === NatsErrorCode.NoResponders);
}

function toServiceError(error: unknown, subject: string): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof NatsError) {
    const service = subject.split('.')[0];
    if (error.code === NatsErrorCode.NoResponders) {
      return new ServiceError(ErrorCode.UNAVAILABLE, `the ${service} service is not running`);
    }
    if (error.code === NatsErrorCode.Timeout) {
      return new ServiceError(ErrorCode.UNAVAILABLE, `the ${service} service did not answer in time`);
    }
    return new ServiceError(ErrorCode.UNAVAILABLE, `messaging failed: ${error.code}`);
  }
  return new ServiceError(ErrorCode.INTERNAL, 'internal error');
}
