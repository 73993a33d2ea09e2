import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's gc extension, as `--expose-gc` defines it. */
type GcFunction = (options?: {
  type?: 'major' | 'minor';
  execution?: 'sync' | 'async';
  flavor?: 'regular' | 'last-resort';
}) => void;

export interface IdleMemorySettings {
  /** How often the event loop's utilisation is sampled. */
  checkEveryMs: number;
  /** Samples in a row at or below `idleUtilization` that make the process idle. */
  idleChecks: number;
  /** Event-loop utilisation (0–1) that still counts as idle: a scheduler's tick or a poll now and then. */
  idleUtilization: number;
  /** Heap growth since the last release below which an idle process is left alone. */
  minGrowthBytes: number;
}

export const DEFAULT_IDLE_MEMORY_SETTINGS: IdleMemorySettings = {
  checkEveryMs: 5_000,
  idleChecks: 2,
  idleUtilization: 0.05,
  minGrowthBytes: 8 * 1024 * 1024,
};

/**
 * One memory-reducing collection: V8's "last resort" flavour, which also shrinks the young
 * generation and hands free pages back to the system (a regular forced collection does neither).
 * The gc extension comes from a fresh context, so `gc` is never put on this process's global
 * object: the flag is read when a context is created (the way Jest's `--logHeapUsage` gets it).
 */
export function memoryReducingCollection(): () => void {
  let gc = (globalThis as { gc?: GcFunction }).gc;
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as GcFunction;
  }
  return () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/**
 * Gives memory back once the process has gone idle. V8 grows the young generation and keeps the
 * old one's free pages while a process is busy (starting up is the busiest it gets), and keeps
 * them while nothing allocates: an idle service held ~50 MiB it no longer used (docs/benchmarks.md,
 * platform-start). After `idleChecks` quiet samples in a row, and only if the heap grew by
 * `minGrowthBytes` since the last time, `collect` runs once; a memory-reducing collection takes
 * tens of milliseconds on a process that has nothing else to do. Returns a stop function; the
 * timer never keeps the process alive.
 */
export function releaseMemoryWhenIdle(
  settings: Partial<IdleMemorySettings> = {},
  collect: () => void = memoryReducingCollection(),
): () => void {
  const { checkEveryMs, idleChecks, idleUtilization, minGrowthBytes } = { ...DEFAULT_IDLE_MEMORY_SETTINGS, ...settings };
  let previous = performance.eventLoopUtilization();
  let quietSamples = 0;
  // The first quiet spell always releases: starting up is where the heap grew.
  let heapAfterRelease = -Infinity;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, previous);
    previous = now;
    quietSamples = utilization <= idleUtilization ? quietSamples + 1 : 0;
    if (quietSamples < idleChecks) return;
    quietSamples = 0;
    if (process.memoryUsage().heapTotal - heapAfterRelease < minGrowthBytes) return;
    collect();
    heapAfterRelease = process.memoryUsage().heapTotal;
  }, checkEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}
