import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';

// One registry per process (prom-client's default): the metrics below are shared by whatever runs
// in the process, and /metrics (observability-server.ts) answers them all.

/**
 * Each NATS message a service handled: its subject (without a test prefix) and its outcome, `ok`
 * or the error code of the reply (`NOT_FOUND`, `FORBIDDEN`… are the caller's; `INTERNAL`,
 * `UNAVAILABLE` the platform's): an error-rate alert picks the codes it cares about.
 */
export const rpcRequestDuration = new Histogram({
  name: 'stagecraft_rpc_request_duration_seconds',
  help: 'Time from a NATS request arriving at a service to its reply leaving, by subject and outcome (ok, or the error code).',
  labelNames: ['subject', 'outcome'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
});

/** Builds waiting QUEUED, as the builds replica that last chose from the queue saw them (take the max over replicas). */
export const buildQueueDepth = new Gauge({
  name: 'stagecraft_build_queue_depth',
  help: 'Builds waiting QUEUED for a free slot of their cluster, at the last scheduling pass of this replica.',
});

/**
 * Every build that ends, by terminal status: from its start to running, or, for one that never ran
 * (EXPIRED, cancelled in the queue), from its creation. Its count is the number of builds ended.
 */
export const buildDuration = new Histogram({
  name: 'stagecraft_build_duration_seconds',
  help: 'Time from a build starting to run (or, if it never ran, from its creation) to its end, by outcome: its terminal status.',
  labelNames: ['outcome'] as const,
  buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
});

/** The oldest event an outbox relay has not yet published (0 when it is caught up). */
export const outboxLag = new Gauge({
  name: 'stagecraft_outbox_lag_seconds',
  help: 'Age of the oldest unpublished outbox row, per outbox table, as the relay last saw it.',
  labelNames: ['table'] as const,
});

/** `client`: the connection requests leave on; `server`: a service's handlers' own (Nest's transport). */
export const natsReconnects = new Counter({
  name: 'stagecraft_nats_reconnects_total',
  help: 'Times this process reconnected to NATS, by connection (client, server).',
  labelNames: ['connection'] as const,
});

let defaultsCollected = false;

/** Node's own metrics (CPU, memory, event loop lag, GC), once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ prefix: 'stagecraft_' });
}

/** The Prometheus text exposition of every metric of this process. */
export function metricsText(): Promise<string> {
  return register.metrics();
}

export const METRICS_CONTENT_TYPE = register.contentType;
