/* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on (below) */
import type { IncomingMessage } from 'node:http';

import type { NodeSDK } from '@opentelemetry/sdk-node';

let sdk: NodeSDK | undefined;

/** Tracing is on when an OTLP endpoint is configured (the standard OpenTelemetry variables). */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) &&
    env['OTEL_SDK_DISABLED'] !== 'true'
  );
}

/** Probes and scrapes: a trace each, every few seconds, would bury the requests worth tracing. */
const UNTRACED_PATHS = new Set(['/metrics', '/healthz', '/readyz', '/health']);

/** An incoming request not worth a trace of its own. */
export function isProbeRequest(request: Pick<IncomingMessage, 'url'>): boolean {
  return UNTRACED_PATHS.has((request.url ?? '/').split('?')[0]);
}

/**
 * Starts OpenTelemetry tracing for this process when an OTLP endpoint is set: W3C trace context,
 * spans of incoming and outgoing HTTP and of every Postgres query, exported over OTLP/HTTP. It must
 * run before `pg` is first loaded, so each main.ts imports its telemetry module first. Without an
 * endpoint nothing is loaded: the API's no-op tracer costs next to nothing on the request path.
 */
export function startTracing(serviceName: string): void {
  if (sdk || !tracingConfigured()) return;
  // Loaded here, not at the top: the SDK pulls in every exporter it knows, which a process
  // without tracing should not pay for at start.
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  sdk = new NodeSDK({
    serviceName,
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      // Outgoing calls and SQL only inside a trace: the scheduler's ticks, the outbox relay's polls
      // and the node watches would otherwise each start a trace of their own, several a second.
      new HttpInstrumentation({ ignoreIncomingRequestHook: isProbeRequest, requireParentforOutgoingSpans: true }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
    // Traces only: metrics are Prometheus' (/metrics), logs are pino's.
    metricReaders: [],
    logRecordProcessors: [],
  });
  // Spans leave in batches (OTEL_BSP_SCHEDULE_DELAY, 5 s by default); stopTracing sends the last.
  sdk.start();
}

/** How long a stopping process waits for its last spans to leave: a collector that is down must not hold it up. */
export const TRACING_FLUSH_TIMEOUT_MS = 1_500;

/** Sends the spans not yet exported and stops tracing, within `timeoutMs` (a no-op when tracing is off). */
export async function stopTracing(timeoutMs = TRACING_FLUSH_TIMEOUT_MS): Promise<void> {
  const running = sdk;
  sdk = undefined;
  if (!running) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    running.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs).unref())),
  ]);
  clearTimeout(timer);
}
