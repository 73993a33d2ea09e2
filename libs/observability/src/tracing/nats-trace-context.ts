import {
  type Context,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type SpanOptions,
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

// One tracer for the process: the API hands it to whichever provider is registered, even a later
// one (asking per message would make a new proxy each time when none is).
const tracer = trace.getTracer('stagecraft-nats');
const SEND: SpanOptions = { kind: SpanKind.CLIENT };
const PROCESS: SpanOptions = { kind: SpanKind.SERVER };

/**
 * A request leaving over NATS inside a trace: a CLIENT span, and its context (`traceparent`,
 * `tracestate`) in the message's headers. Outside a trace (always, without a tracer provider)
 * nothing: no span, no header. Traces start at the gateway's HTTP requests; background work
 * (the scheduler's calls, health polls) would each make a trace of one span.
 */
export function startRequestSpan(subject: string, headers: HeaderCarrier): Span | undefined {
  const active = context.active();
  if (!inTrace(active)) return undefined;
  const span = tracer.startSpan(`${subject} send`, SEND, active);
  if (span.isRecording()) span.setAttributes(messagingAttributes(subject, 'send'));
  // Also when not sampled: the flag travels, and the handler's spans follow the same decision.
  propagation.inject(trace.setSpan(active, span), headers, setter);
  return span;
}

/**
 * The headers an event carries when it is published inside a trace (its handlers' spans join it);
 * undefined outside one, so that events cost nothing extra without tracing.
 */
export function eventTraceHeaders<H extends HeaderCarrier>(makeHeaders: () => H): H | undefined {
  const active = context.active();
  if (!inTrace(active)) return undefined;
  const headers = makeHeaders();
  propagation.inject(active, headers, setter);
  return headers;
}

/**
 * A message arriving over NATS: when it carries a trace, a SERVER span child of the sender's, and
 * the context to handle it in; otherwise no span (see startRequestSpan).
 */
export function startHandlerSpan(
  subject: string,
  headers: HeaderCarrier | undefined,
): { span: Span | undefined; context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, headers, getter);
  if (!inTrace(parent)) return { span: undefined, context: parent };
  const span = tracer.startSpan(`${subject} process`, PROCESS, parent);
  if (span.isRecording()) span.setAttributes(messagingAttributes(subject, 'process'));
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends a span (if there is one), marking it failed when `error` is given. */
export function endSpan(span: Span | undefined, error?: unknown): void {
  if (!span) return;
  if (error !== undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

/** Whether `ctx` holds a span of a trace (a valid context, sampled or not). */
function inTrace(ctx: Context): boolean {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext !== undefined && isSpanContextValid(spanContext);
}

/** OpenTelemetry's messaging conventions (semantic-conventions 1.45). */
function messagingAttributes(subject: string, operation: 'send' | 'process') {
  return { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.operation.type': operation };
}

export { context as traceContext };
