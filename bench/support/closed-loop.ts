import { cpuSeconds, machineCpuSeconds } from '../package-upload/process-probe';
import { type LatencySummary, round, summarizeLatencies } from './bench-report';
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

/** A level's result with the CPU time each answered request cost: the measuring thread's, the machine's, the servers'. */
export type CpuTimedResult<T extends string = Target> = LevelResult<T> & {
  /** This thread's CPU µs per answered request (the servers on it). */
  threadMicrosPerRequest: number;
  /** Every core's busy µs per answered request: this process (clients included) and every other. */
  machineMicrosPerRequest: number;
  /** The cores kept busy while measuring, on average (of `os.availableParallelism()`). */
  busyCores: number;
  /** CPU µs per answered request of each process `measureLevel` was asked to watch, by its label. */
  processMicrosPerRequest: Record<string, number>;
};

/** What one item's slices used, summed. */
class CpuTotals {
  requests = 0;
  threadMicros = 0;
  machineMicros = 0;
  wallMicros = 0;
  readonly processMicros = new Map<string, number>();

  result(): Omit<CpuTimedResult, keyof LevelResult> {
    const perRequest = (micros: number) => Math.round(micros / this.requests);
    return {
      threadMicrosPerRequest: perRequest(this.threadMicros),
      machineMicrosPerRequest: perRequest(this.machineMicros),
      busyCores: round(this.machineMicros / this.wallMicros, 2),
      processMicrosPerRequest: Object.fromEntries([...this.processMicros].map(([label, micros]) => [label, perRequest(micros)])),
    };
  }
}

/**
 * One level: each item warmed up for `warmupMs`, then `slices` measured slices of `sliceMs` in
 * alternating turns, with the CPU time per answered request around each slice: this thread's,
 * the machine's, and that of the `processes` given (label → pid; a bench's nats-server, say).
 * The machine's shows what the other processes on the cores cost each path; this thread's, the
 * servers on it.
 */
export async function measureLevel<T extends string = Target>(
  slice: LoadSlice<T>,
  items: readonly T[],
  clients: number,
  options: { warmupMs: number; slices: number; sliceMs: number; processes?: Record<string, number> },
): Promise<CpuTimedResult<T>[]> {
  for (const item of items) await slice(item, options.warmupMs, 0);
  const processes = Object.entries(options.processes ?? {});
  const totals = new Map(items.map((item) => [item, new LoadTotals()]));
  const cpu = new Map(items.map((item) => [item, new CpuTotals()]));
  await inAlternatingTurns(
    options.slices,
    async (item) => {
      const started = performance.now();
      const machineBefore = machineCpuSeconds().busy;
      const processesBefore = processes.map(([, pid]) => cpuSeconds(pid));
      const before = process.threadCpuUsage();
      const answered = await slice(item, LEAD_IN_MS, options.sliceMs);
      const used = process.threadCpuUsage(before);
      const time = cpu.get(item)!;
      time.machineMicros += (machineCpuSeconds().busy - machineBefore) * 1e6;
      processes.forEach(([label, pid], index) => {
        const micros = (cpuSeconds(pid) - processesBefore[index]) * 1e6;
        time.processMicros.set(label, (time.processMicros.get(label) ?? 0) + micros);
      });
      time.wallMicros += (performance.now() - started) * 1e3;
      time.threadMicros += used.user + used.system;
      // Every request the slice answered, its lead-in included: the CPU times span the lead-in too.
      time.requests += answered.totalRequests;
      totals.get(item)!.add(answered);
    },
    items,
  );
  return items.map((item) => ({ ...totals.get(item)!.result(item, clients), ...cpu.get(item)!.result() }));
}
