/* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on (below) */
import type { NodeSDK } from '@opentelemetry/sdk-node';

let sdk: NodeSDK | undefined;

/** Tracing is on when an OTLP endpoint is configured (the standard OpenTelemetry variables). */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) &&
    env['OTEL_SDK_DISABLED'] !== 'true'
  );
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
    instrumentations: [new HttpInstrumentation(), new PgInstrumentation()],
    // Traces only: metrics are Prometheus' (/metrics), logs are pino's.
    metricReaders: [],
    logRecordProcessors: [],
  });
  // Spans leave in batches (OTEL_BSP_SCHEDULE_DELAY, 5 s by default): those of a process's last
  // moments before it is stopped may not.
  sdk.start();
}
