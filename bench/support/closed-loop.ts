import { type LatencySummary, summarizeLatencies } from './bench-report';
import type { LoadWorker } from './load-client';
import type { LoadRequest, LoadResult } from './load-worker';

/** The platform (gateway → NATS → a service), or the same work answered in process (no NATS). */
export type Target = 'in-process' | 'platform';
export const TARGETS: readonly Target[] = ['in-process', 'platform'];

/** Unmeasured load at the start of each slice, so the closed loop is full when counting starts. */
export const LEAD_IN_MS = 250;
const REQUEST_TIMEOUT_MS = 10_000;

/** One path at one concurrency level, over all of its measured slices. */
export interface LevelResult<T extends string = Target> {
  target: T;
  clients: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  latencyMs: LatencySummary;
  firstError?: string;
}

/** The query both paths are sent, where each path answers it, and the answer that counts as right. */
export type ComparedQuery<T extends string = Target> = Pick<LoadRequest, 'token' | 'query' | 'expectPath' | 'expectValue'> & {
  urls: Record<T, string>;
};

/** `clients` closed-loop clients on one target: `leadInMs` of load not counted, then `durationMs` measured. */
export type LoadSlice<T extends string = Target> = (target: T, leadInMs: number, durationMs: number) => Promise<LoadResult>;

export function loadSlices<T extends string = Target>(
  worker: LoadWorker,
  compared: ComparedQuery<T>,
  clients: number,
): LoadSlice<T> {
  const { urls, ...request } = compared;
  return (target, leadInMs, durationMs) =>
    worker.load({ ...request, url: urls[target], clients, leadInMs, durationMs, requestTimeoutMs: REQUEST_TIMEOUT_MS });
}

/**
 * Calls `measure` for every item (the targets, unless given others) in each of `turns` turns, the
 * order flipped each turn (A B, B A, …).
 */
export async function inAlternatingTurns<T = Target>(
  turns: number,
  measure: (item: T) => Promise<void>,
  items: readonly T[] = TARGETS as readonly T[],
): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) {
    // A change in the machine's load then hits every item alike.
    for (const item of turn % 2 === 0 ? items : [...items].reverse()) await measure(item);
  }
}

/** The table columns of a level's load, and its cells. */
export const LOAD_COLUMNS = ['clients', 'req/s', 'p50 ms', 'p99 ms', 'mean ms', 'max ms'];

export function loadCells(result: LevelResult<string>): number[] {
  const { p50, p99, mean, max } = result.latencyMs;
  return [result.clients, result.requestsPerSecond, p50, p99, mean, max];
}

/** Adds up the slices of one path at one level. */
export class LoadTotals {
  private readonly latencies: number[] = [];
  private measuredMs = 0;
  private errors = 0;
  private firstError?: string;
  /** Every answered request, lead-in included (to relate server-side counters to requests). */
  answered = 0;

  add(run: LoadResult): void {
    for (const latency of run.latenciesMs) this.latencies.push(latency);
    this.measuredMs += run.measuredMs;
    this.answered += run.totalRequests;
    this.errors += run.errors;
    this.firstError ??= run.firstError;
  }

  result<T extends string = Target>(target: T, clients: number): LevelResult<T> {
    const latencies = Float64Array.from(this.latencies).sort();
    return {
      target,
      clients,
      requests: latencies.length,
      errors: this.errors,
      requestsPerSecond: Math.round(latencies.length / (this.measuredMs / 1000)),
      latencyMs: summarizeLatencies(latencies),
      ...(this.firstError ? { firstError: this.firstError } : {}),
    };
  }
}

/** A level's result with the measuring thread's CPU µs per answered request (the servers on it). */
export type ThreadTimedResult<T extends string = Target> = LevelResult<T> & { threadMicrosPerRequest: number };

/**
 * One level: each item warmed up for `warmupMs`, then `slices` measured slices of `sliceMs` in
 * alternating turns, with this thread's CPU time per answered request around each slice.
 */
export async function measureLevel<T extends string = Target>(
  slice: LoadSlice<T>,
  items: readonly T[],
  clients: number,
  options: { warmupMs: number; slices: number; sliceMs: number },
): Promise<ThreadTimedResult<T>[]> {
  for (const item of items) await slice(item, options.warmupMs, 0);
  const totals = new Map(items.map((item) => [item, new LoadTotals()]));
  const threadTime = new Map(items.map((item) => [item, { micros: 0, requests: 0 }]));
  await inAlternatingTurns(
    options.slices,
    async (item) => {
      const before = process.threadCpuUsage();
      const answered = await slice(item, LEAD_IN_MS, options.sliceMs);
      const used = process.threadCpuUsage(before);
      const time = threadTime.get(item)!;
      time.micros += used.user + used.system;
      time.requests += answered.totalRequests;
      totals.get(item)!.add(answered);
    },
    items,
  );
  return items.map((item) => {
    const time = threadTime.get(item)!;
    return { ...totals.get(item)!.result(item, clients), threadMicrosPerRequest: Math.round(time.micros / time.requests) };
  });
}
