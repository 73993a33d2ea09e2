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

import { describeEnvironment, envInt, markdownTable, passFail, round, writeResults } from './support/bench-report';
import type { LevelResult, Target } from './support/closed-loop';
import { inAlternatingTurns, LEAD_IN_MS, LOAD_COLUMNS, loadCells, loadSlices, LoadTotals, TARGETS } from './support/closed-loop';
import { type IamPlatform, startIamPlatform } from './support/iam-gateway.platform';
import { startLoadWorker } from './support/load-client';
import type { LoadResult } from './support/load-worker';
import { startInProcessMe } from './support/me-baseline.app';
import { createUser, signIn, signInAs } from './support/platform-setup';
import { runBench } from './support/run-bench';

const CLIENTS = (process.env.BENCH_ME_CLIENTS ?? '1,16,64').split(',').map(Number);
const WARMUP_MS = envInt('BENCH_ME_WARMUP_MS', 2_000);
const DURATION_MS = envInt('BENCH_ME_DURATION_MS', 8_000);
/** The measured time of each path and level is cut into this many slices, taken in turns. */
const SLICES = envInt('BENCH_ME_SLICES', 4);
const SLICE_MS = Math.round(DURATION_MS / SLICES);
const ME_QUERY = '{ me { id name isAdmin } }';
const TARGET = { clients: 64, minRatio: 0.5 };

interface MeLevelResult extends LevelResult {
  dbQueriesPerRequest: number;
  /** Share of the run the main thread (where every server runs) was busy: near 1 means it is the bottleneck. */
  serverLoopBusy: number;
}

interface LevelRatio {
  clients: number;
  /** Platform req/s over in-process req/s, over the whole measured time. */
  ratio: number;
  /** The same ratio slice by slice (adjacent slices), lowest and highest: how noisy it was. */
  sliceMin: number;
  sliceMax: number;
}

/** The load of one path at one level, with the database queries and the server loop's time it took. */
class SliceTotals {
  private readonly load = new LoadTotals();
  private queries = 0;
  private loopActive = 0;
  private loopIdle = 0;

  add(run: LoadResult, queries: number, loop: EventLoopUtilization): void {
    this.load.add(run);
    this.queries += queries;
    this.loopActive += loop.active;
    this.loopIdle += loop.idle;
  }

  result(target: Target, clients: number): MeLevelResult {
    const { firstError, ...measured } = this.load.result(target, clients);
    return {
      ...measured,
      dbQueriesPerRequest: round(this.queries / Math.max(1, this.load.answered), 3),
      serverLoopBusy: round(this.loopActive / (this.loopActive + this.loopIdle), 3),
      ...(firstError ? { firstError } : {}),
    };
  }
}

function throughputOf(results: readonly MeLevelResult[], target: Target, clients: number): number {
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
  const adminToken = await signIn(platform, platform.admin);
  const userId = await createUser(platform, adminToken, 'bench-reader');
  return { token: await signInAs(platform, adminToken, userId), userId };
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

    const results: MeLevelResult[] = [];
    const ratios: LevelRatio[] = [];
    for (const clients of CLIENTS) {
      const slice = loadSlices(
        worker,
        {
          urls,
          token,
          query: ME_QUERY,
          expectPath: ['data', 'me', 'id'],
          expectValue: userId,
        },
        clients,
      );
      for (const target of TARGETS) await slice(target, WARMUP_MS, 0);

      const totals = new Map(TARGETS.map((target) => [target, new SliceTotals()]));
      const sliceRates: Record<Target, number[]> = { 'in-process': [], platform: [] };
      await inAlternatingTurns(SLICES, async (target) => {
        const queriesBefore = queries();
        const loopBefore = performance.eventLoopUtilization();
        const run = await slice(target, LEAD_IN_MS, SLICE_MS);
        totals.get(target)!.add(run, queries() - queriesBefore, performance.eventLoopUtilization(loopBefore));
        sliceRates[target].push(run.latenciesMs.length / (SLICE_MS / 1000));
      });
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

function report(results: MeLevelResult[], ratios: LevelRatio[]): void {
  const ratioAt = (clients: number) => ratios.find((r) => r.clients === clients);
  const atTarget = ratioAt(TARGET.clients)?.ratio ?? Number.NaN;
  const anyErrors = results.some((r) => r.errors > 0);
  const verdict = Number.isNaN(atTarget) ? 'n/a' : passFail(atTarget >= TARGET.minRatio && !anyErrors);
  const percent = (value: number) => `${Math.round(value * 100)}%`;

  console.log(`\n## me-query — GraphQL \`me\` over HTTP (${describeEnvironment()})\n`);
  console.log(
    markdownTable(
      ['path', ...LOAD_COLUMNS, 'db queries/req', 'server loop busy', 'errors', 'platform / in-process (slices)'],
      results.map((r) => {
        const ratio = ratioAt(r.clients);
        const verdictText = r.clients === TARGET.clients ? ` target ≥ ${percent(TARGET.minRatio)}: ${verdict}` : '';
        return [
          r.target === 'platform' ? 'gateway → NATS → iam' : 'in-process (no NATS)',
          ...loadCells(r),
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

runBench('me-query', main);
