/**
 * Closed-loop HTTP load for the packageJobs list, in a worker thread (the clients do not share
 * an event loop with the servers). Same method as bench/support/load-worker.ts; the answer check
 * is a page of `expectedEdges` jobs instead of `me`.
 */
import { parentPort } from 'node:worker_threads';

export interface ListLoadRequest {
  url: string;
  token: string;
  query: string;
  expectedEdges: number;
  clients: number;
  leadInMs: number;
  durationMs: number;
  requestTimeoutMs: number;
}

export interface ListLoadResult {
  latenciesMs: Float64Array;
  measuredMs: number;
  totalRequests: number;
  errors: number;
  firstError?: string;
}

async function run(request: ListLoadRequest): Promise<ListLoadResult> {
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
        const answer = (await response.json()) as { data?: { packageJobs?: { edges?: unknown[] } } };
        totalRequests += 1;
        if (response.status !== 200 || answer.data?.packageJobs?.edges?.length !== request.expectedEdges) {
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

parentPort?.on('message', (request: ListLoadRequest) => {
  run(request).then(
    (result) => parentPort?.postMessage(result, [result.latenciesMs.buffer as ArrayBuffer]),
    (error: unknown) => parentPort?.postMessage({ fatal: error instanceof Error ? error.message : String(error) }),
  );
});
