/**
 * The GraphQL `me` query through gateway → NATS → iam, beside the same query answered in
 * process (no NATS), at 1, 16 and 64 closed-loop clients.
 *
 *   node -r ./bench/register.cjs bench/me-query.bench.ts
 *
 * Environment: BENCH_ME_CLIENTS (default 1,16,64), BENCH_ME_WARMUP_MS (2000),
 * BENCH_ME_DURATION_MS (8000). Uses the machine's Postgres (a fresh database, dropped at the
 * end) and NATS (a fresh subject prefix). Method and figures: docs/benchmarks.md.
 */
import { type EventLoopUtilization, performance } from 'node:perf_hooks';

import { Client } from 'pg';

import {
  describeEnvironment,
  envInt,
  markdownTable,
  mean,
  passFail,
  percentile,
  round,
  writeResults,
} from './support/bench-report';
import { type IamPlatform, startIamPlatform } from './support/iam-gateway.platform';
import { startLoadWorker } from './support/load-client';
import type { LoadResult } from './support/load-worker';
import { startInProcessMe } from './support/me-baseline.app';

const CLIENTS = (process.env.BENCH_ME_CLIENTS ?? '1,16,64').split(',').map(Number);
const WARMUP_MS = envInt('BENCH_ME_WARMUP_MS', 2_000);
const DURATION_MS = envInt('BENCH_ME_DURATION_MS', 8_000);
/** The measured time of each path and level is cut into this many slices, taken in turns. */
const SLICES = envInt('BENCH_ME_SLICES', 4);
const SLICE_MS = Math.round(DURATION_MS / SLICES);
/** Unmeasured load at the start of each slice, so the closed loop is full when counting starts. */
const LEAD_IN_MS = 250;
const REQUEST_TIMEOUT_MS = 10_000;
const ME_QUERY = '{ me { id name isAdmin } }';
const TARGET = { clients: 64, minRatio: 0.5 };

type Target = 'platform' | 'in-process';
const TARGETS: readonly Target[] = ['in-process', 'platform'];

interface LevelResult {
  target: Target;
  clients: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; mean: number; max: number };
  dbQueriesPerRequest: number;
  /** Share of the run the main thread (where every server runs) was busy: near 1 means it is the bottleneck. */
  serverLoopBusy: number;
  firstError?: string;
}

interface LevelRatio {
  clients: number;
  /** Platform req/s over in-process req/s, over the whole measured time. */
  ratio: number;
  /** The same ratio slice by slice (adjacent slices), lowest and highest: how noisy it was. */
  sliceMin: number;
  sliceMax: number;
}

/** Adds up the slices of one path at one level. */
class SliceTotals {
  private readonly latencies: number[] = [];
  private measuredMs = 0;
  private answered = 0;
  private errors = 0;
  private firstError?: string;
  private queries = 0;
  private loopActive = 0;
  private loopIdle = 0;

  add(run: LoadResult, queries: number, loop: EventLoopUtilization): void {
    for (const latency of run.latenciesMs) this.latencies.push(latency);
    this.measuredMs += run.measuredMs;
    this.answered += run.totalRequests;
    this.errors += run.errors;
    this.firstError ??= run.firstError;
    this.queries += queries;
    this.loopActive += loop.active;
    this.loopIdle += loop.idle;
  }

  result(target: Target, clients: number): LevelResult {
    const latencies = Float64Array.from(this.latencies).sort();
    return {
      target,
      clients,
      requests: latencies.length,
      errors: this.errors,
      requestsPerSecond: Math.round(latencies.length / (this.measuredMs / 1000)),
      latencyMs: {
        p50: round(percentile(latencies, 50), 2),
        p99: round(percentile(latencies, 99), 2),
        mean: round(mean(latencies), 2),
        max: round(latencies[latencies.length - 1] ?? Number.NaN, 1),
      },
      dbQueriesPerRequest: round(this.queries / Math.max(1, this.answered), 3),
      serverLoopBusy: round(this.loopActive / (this.loopActive + this.loopIdle), 3),
      ...(this.firstError ? { firstError: this.firstError } : {}),
    };
  }
}

function throughputOf(results: readonly LevelResult[], target: Target, clients: number): number {
  return results.find((r) => r.target === target && r.clients === clients)?.requestsPerSecond ?? Number.NaN;
}

/**
 * Counts SQL statements sent through node-postgres in this process, so the table can show
 * both paths do the same database work per request. TypeORM's pool clients are pg Clients.
 */
function countDatabaseQueries(): () => number {
  const prototype = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  let count = 0;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    count += 1;
    return original.apply(this, args);
  };
  return () => count;
}

/** A signed-in non-admin user (what most callers are), made through the platform's own API. */
async function signInBenchUser(platform: IamPlatform): Promise<{ token: string; userId: string }> {
  const data = async <T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> => {
    const answer = await platform.gql<T>(query, variables, token);
    if (!answer.data) throw new Error(`setup failed: ${JSON.stringify(answer.errors)}`);
    return answer.data;
  };
  const login = `mutation Login($a: String!, $s: String!) { createAccessToken(accessKey: $a, secretKey: $s) }`;
  const admin = await data<{ createAccessToken: string }>(login, { a: platform.admin.accessKey, s: platform.admin.secretKey });
  const adminToken = admin.createAccessToken;
  const user = await data<{ createUser: { id: string } }>(`mutation { createUser(name: "bench-reader") { id } }`, {}, adminToken);
  const key = await data<{ createAccessKey: { accessKey: string; secretKey: string } }>(
    `mutation Key($u: ID!) { createAccessKey(userId: $u) }`,
    { u: user.createUser.id },
    adminToken,
  );
  const token = await data<{ createAccessToken: string }>(login, {
    a: key.createAccessKey.accessKey,
    s: key.createAccessKey.secretKey,
  });
  return { token: token.createAccessToken, userId: user.createUser.id };
}

async function main(): Promise<void> {
  const queries = countDatabaseQueries();
  const platform = await startIamPlatform();
  const worker = startLoadWorker();
  let inProcess: Awaited<ReturnType<typeof startInProcessMe>> | undefined;
  try {
    inProcess = await startInProcessMe(platform.iam);
    const { token, userId } = await signInBenchUser(platform);
    const urls: Record<Target, string> = { platform: platform.graphqlUrl, 'in-process': inProcess.url };

    const results: LevelResult[] = [];
    const ratios: LevelRatio[] = [];
    for (const clients of CLIENTS) {
      const slice = (target: Target, leadInMs: number, durationMs: number) =>
        worker.load({
          url: urls[target],
          token,
          query: ME_QUERY,
          expectPath: ['data', 'me', 'id'],
          expectValue: userId,
          clients,
          leadInMs,
          durationMs,
          requestTimeoutMs: REQUEST_TIMEOUT_MS,
        });
      for (const target of TARGETS) await slice(target, WARMUP_MS, 0);

      // Short slices taking turns (A B, B A, …), so a change in the machine's load hits both paths.
      const totals = new Map(TARGETS.map((target) => [target, new SliceTotals()]));
      const sliceRates: Record<Target, number[]> = { 'in-process': [], platform: [] };
      for (let round = 0; round < SLICES; round += 1) {
        for (const target of round % 2 === 0 ? TARGETS : [...TARGETS].reverse()) {
          const queriesBefore = queries();
          const loopBefore = performance.eventLoopUtilization();
          const run = await slice(target, LEAD_IN_MS, SLICE_MS);
          totals.get(target)!.add(run, queries() - queriesBefore, performance.eventLoopUtilization(loopBefore));
          sliceRates[target].push(run.latenciesMs.length / (SLICE_MS / 1000));
        }
      }
      for (const target of TARGETS) {
        const result = totals.get(target)!.result(target, clients);
        results.push(result);
        const error = result.firstError ? ` (first error: ${result.firstError})` : '';
        console.error(
          `${target} × ${clients}: ${result.requestsPerSecond} req/s, p99 ${result.latencyMs.p99} ms, ${result.errors} errors${error}`,
        );
      }
      const perSlice = sliceRates.platform.map((rate, i) => rate / sliceRates['in-process'][i]);
      ratios.push({
        clients,
        ratio: round(throughputOf(results, 'platform', clients) / throughputOf(results, 'in-process', clients), 3),
        sliceMin: round(Math.min(...perSlice), 3),
        sliceMax: round(Math.max(...perSlice), 3),
      });
    }
    report(results, ratios);
  } finally {
    await worker.stop();
    await inProcess?.app.close();
    await platform.close();
  }
}

function report(results: LevelResult[], ratios: LevelRatio[]): void {
  const ratioAt = (clients: number) => ratios.find((r) => r.clients === clients);
  const atTarget = ratioAt(TARGET.clients)?.ratio ?? Number.NaN;
  const anyErrors = results.some((r) => r.errors > 0);
  const verdict = Number.isNaN(atTarget) ? 'n/a' : passFail(atTarget >= TARGET.minRatio && !anyErrors);
  const percent = (value: number) => `${Math.round(value * 100)}%`;

  console.log(`\n## me-query — GraphQL \`me\` over HTTP (${describeEnvironment()})\n`);
  console.log(
    markdownTable(
      [
        'path',
        'clients',
        'req/s',
        'p50 ms',
        'p99 ms',
        'mean ms',
        'max ms',
        'db queries/req',
        'server loop busy',
        'errors',
        'platform / in-process (slices)',
      ],
      results.map((r) => {
        const ratio = ratioAt(r.clients);
        const verdictText = r.clients === TARGET.clients ? ` target ≥ ${percent(TARGET.minRatio)}: ${verdict}` : '';
        return [
          r.target === 'platform' ? 'gateway → NATS → iam' : 'in-process (no NATS)',
          r.clients,
          r.requestsPerSecond,
          r.latencyMs.p50,
          r.latencyMs.p99,
          r.latencyMs.mean,
          r.latencyMs.max,
          r.dbQueriesPerRequest,
          percent(r.serverLoopBusy),
          r.errors,
          r.target === 'platform' && ratio
            ? `${percent(ratio.ratio)} (${percent(ratio.sliceMin)}–${percent(ratio.sliceMax)})${verdictText}`
            : '',
        ];
      }),
    ),
  );
  console.log(
    `\nclosed loop; per level ${WARMUP_MS / 1000} s warm-up per path, then ${DURATION_MS / 1000} s measured per path in ` +
      `${SLICES} slices taken in turns (${LEAD_IN_MS} ms unmeasured lead-in each); clients in a worker thread, ` +
      `servers (gateway + iam, and the in-process endpoint) on the main thread.`,
  );
  const file = writeResults('me-query', results, {
    target: { ...TARGET, ratio: atTarget, verdict },
    ratios,
    method: {
      query: ME_QUERY,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      slices: SLICES,
      leadInMs: LEAD_IN_MS,
      loop: 'closed',
      http: 'fetch (undici), keep-alive',
    },
  });
  console.log(`\nwrote ${file}`);
}

main().then(
  // Everything is closed by now; if a handle still kept the process alive, say so and stop.
  () =>
    setTimeout(() => {
      console.error('me-query: the process did not exit by itself after closing everything');
      process.exit(1);
    }, 10_000).unref(),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
