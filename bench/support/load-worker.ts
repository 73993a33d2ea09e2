/**
 * Closed-loop HTTP load, in a worker thread so the clients do not share an event loop with
 * the servers they measure. Each client sends one GraphQL request, waits for the answer,
 * checks it, and sends the next; fetch (undici) keeps the connections alive.
 */
import { parentPort } from 'node:worker_threads';

export interface LoadRequest {
  url: string;
  token: string;
  query: string;
  /** The answer is right when the value at this path equals `expectValue` (e.g. ['data','me','id'], or …'edges','length'). */
  expectPath: string[];
  expectValue: string | number;
  clients: number;
  /** Load before the measured window, not counted (warm-up, or re-filling the loop). */
  leadInMs: number;
  durationMs: number;
  requestTimeoutMs: number;
}

export interface LoadResult {
  /** Latency of every request that ended inside the measured window, in ms. */
  latenciesMs: Float64Array;
  measuredMs: number;
  /** Every answered request, lead-in included (to relate server-side counters to requests). */
  totalRequests: number;
  errors: number;
  firstError?: string;
}

/**
 * Requests count when they end inside the window, whenever they started: with the loop already
 * full at the window's start, completions per second is then the steady-state throughput.
 */
async function run(request: LoadRequest): Promise<LoadResult> {
  const body = JSON.stringify({ query: request.query });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${request.token}` };
  const measureFrom = performance.now() + request.leadInMs;
  const stopAt = measureFrom + request.durationMs;
  const latencies: number[] = [];
  let totalRequests = 0;
  let errors = 0;
  let firstError: string | undefined;

  const fail = (message: string) => {
    errors += 1;
    firstError ??= message;
  };

  const client = async () => {
    while (performance.now() < stopAt) {
      const begin = performance.now();
      try {
        const response = await fetch(request.url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(request.requestTimeoutMs),
        });
        const answer: unknown = await response.json();
        totalRequests += 1;
        if (response.status !== 200 || valueAt(answer, request.expectPath) !== request.expectValue) {
          fail(`HTTP ${response.status}: ${JSON.stringify(answer).slice(0, 300)}`);
          continue;
        }
      } catch (error) {
        fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        continue;
      }
      const end = performance.now();
      if (end >= measureFrom && end <= stopAt) latencies.push(end - begin);
    }
  };

  await Promise.all(Array.from({ length: request.clients }, client));
  return { latenciesMs: Float64Array.from(latencies), measuredMs: request.durationMs, totalRequests, errors, firstError };
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (current, key) => (current === null || current === undefined ? undefined : (current as Record<string, unknown>)[key]),
    value,
  );
}

parentPort?.on('message', (request: LoadRequest) => {
  run(request).then(
    (result) => parentPort?.postMessage(result, [result.latenciesMs.buffer as ArrayBuffer]),
    (error: unknown) => parentPort?.postMessage({ fatal: error instanceof Error ? error.message : String(error) }),
  );
});
