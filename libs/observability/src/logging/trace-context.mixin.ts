import { isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * pino `mixin`: the ids of the active OpenTelemetry span, so a log line can be found from its
 * trace and the other way round. Without a tracer (or outside a span) the fields are absent.
 * A new object each call: pino merges the line's own fields into what the mixin returns.
 */
export function traceContextMixin(): { trace_id?: string; span_id?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : {};
}
