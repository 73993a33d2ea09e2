import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';

/** What OpenTelemetry needs of NATS headers (nats.js MsgHdrs). */
export interface HeaderCarrier {
  get(key: string): string;
  set(key: string, value: string): void;
  keys(): string[];
}

const setter: TextMapSetter<HeaderCarrier> = { set: (carrier, key, value) => carrier.set(key, value) };
const getter: TextMapGetter<HeaderCarrier | undefined> = {
  get: (carrier, key) => carrier?.get(key) || undefined,
  keys: (carrier) => carrier?.keys() ?? [],
};

const tracer = () => trace.getTracer('stagecraft-nats');

/**
 * A request leaving over NATS: a CLIENT span, and its context (`traceparent`, `tracestate`) in the
 * message's headers. Without a tracer provider the span is a no-op and nothing is added.
 */
export function startRequestSpan(subject: string, headers: HeaderCarrier): Span {
  const span = tracer().startSpan(`${subject} send`, {
    kind: SpanKind.CLIENT,
    attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.operation.type': 'send' },
  });
  propagation.inject(trace.setSpan(context.active(), span), headers, setter);
  return span;
}

/** A request arriving over NATS: a SERVER span child of the sender's, and the context to handle it in. */
export function startHandlerSpan(subject: string, headers: HeaderCarrier | undefined): { span: Span; context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, headers, getter);
  const span = tracer().startSpan(
    `${subject} process`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.operation.type': 'process' },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends a span, marking it failed when `error` is given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

export { context as traceContext };
