/**
 * `packageJobs(first: 20)` through gateway → NATS → jobs, beside the same SQL run in process
 * (no NATS), for a user holding 3 of 100 enterprise projects (issue 4, items 1 and 2).
 *
 *   node -r ./bench/register.cjs bench/package-jobs-list.bench.ts
 *
 * One table, grown in place: 10,000 jobs → 100,000 → 1,000,000 (INSERT … SELECT generate_series,
 * then ANALYZE). At 100k: 16 and 64 clients, both paths (target: platform ≥ 80 % of the
 * in-process req/s at each level, issue 16), and the CPU time per request of each path: the
 * bench thread's, the whole machine's and the nats-server's (and the gateway process's, when it
 * runs in one). At 10k and 1M: 16 clients, both paths (target: platform p50 at 1M / p50 at 10k
 * ≤ 1.3).
 * At 100k, with the gateway in this process, the thread's CPU time per request is also taken
 * layer by layer (package-jobs-list/layers.ts), and the gateway's Apollo server is measured
 * behind three HTTP front ends at 64 clients: its own direct path, express and Fastify
 * (package-jobs-list/http-front-ends.ts). The processes run with NODE_ENV=production, as
 * deployed, unless the bench is given another (support/production-mode.ts).
 *
 * Environment: BENCH_JOBS_WARMUP_MS (1500), BENCH_JOBS_DURATION_MS (6000), BENCH_JOBS_SLICES (4),
 * BENCH_JOBS_SIZES (10000,100000,1000000), BENCH_JOBS_LAYER_MS (1000), BENCH_JOBS_LAYER_ROUNDS
 * (7). Uses the machine's Postgres (a fresh database, dropped at the end) and NATS (a fresh
 * subject prefix).
 */

// First: graphql-js reads NODE_ENV when it is loaded.
import './support/production-mode';

import { availableParallelism } from 'node:os';

import { CallerResolver } from '@stagecraft/authz';
import type { ListPackageJobsRequest } from '@stagecraft/contracts';
import { DataSource } from 'typeorm';

import { listQuery, startInProcessList } from './package-jobs-list/baseline';
import { FRONT_ENDS, type FrontEnd, startFrontEnds } from './package-jobs-list/http-front-ends';
import { type LayerResult, measureLayers } from './package-jobs-list/layers';
import { commandName, descendantsOf } from './package-upload/process-probe';
import { describeEnvironment, envInt, markdownTable, passFail, round, writeResults } from './support/bench-report';
import type { ComparedQuery, CpuTimedResult, Target } from './support/closed-loop';
import { LEAD_IN_MS, LOAD_COLUMNS, loadCells, loadSlices, measureLevel, TARGETS } from './support/closed-loop';
import { type IamPlatform, startIamPlatform } from './support/iam-gateway.platform';
import { startLoadWorker } from './support/load-client';
import { createUser, setupData, signIn, signInAs } from './support/platform-setup';
import { runBench } from './support/run-bench';

const WARMUP_MS = envInt('BENCH_JOBS_WARMUP_MS', 1_500);
const DURATION_MS = envInt('BENCH_JOBS_DURATION_MS', 6_000);
const SLICES = envInt('BENCH_JOBS_SLICES', 4);
const SLICE_MS = Math.round(DURATION_MS / SLICES);
const SIZES = (process.env.BENCH_JOBS_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const PROJECTS = 100;
const HELD_PROJECTS = 3;
const PAGE = 20;
const THROUGHPUT_SIZE = 100_000;
const LEVELS_AT_THROUGHPUT_SIZE = [16, 64];
const SCALE_CLIENTS = 16;
/** Issue 16 asks the platform path for ≥ 80 % of the in-process throughput. */
const TARGET = { minRatio: 0.8, maxP50Growth: 1.3 };
/**
 * 1: the gateway runs as `npm start` runs it, in a process of its own (compiled: `npm run build`
 * first), and only jobs and iam share the bench's thread with the in-process baseline; 0 (the
 * default): the gateway in this process too, so the ratio is one thread's cost per request.
 */
const GATEWAY_PROCESS = process.env.BENCH_JOBS_GATEWAY_PROCESS === '1';
const LIST_QUERY = `{ packageJobs(first: ${PAGE}) { edges { cursor node { id name createdAt version } } pageInfo { hasNextPage endCursor } } }`;
/** The `jobs.list.v1` request the gateway makes of LIST_QUERY (the node's fields as selected). */
const LIST_REQUEST: ListPackageJobsRequest = {
  first: PAGE,
  after: null,
  withTotalCount: false,
  fields: ['id', 'name', 'createdAt', 'version'],
};
/** The front ends are compared at the higher level's number of clients. */
const FRONT_END_CLIENTS = Math.max(...LEVELS_AT_THROUGHPUT_SIZE);
const FRONT_END_NAMES: Record<FrontEnd, string> = {
  direct: 'direct: POST /graphql from the HTTP server to Apollo (the gateway as it runs)',
  express: "express: the gateway's Nest express app with Apollo's express integration",
  fastify: 'Fastify 5 with @as-integrations/fastify',
};
/** The layers' breakdown (package-jobs-list/layers.ts): callers on the bench thread, each layer's time per round, rounds. */
const LAYER_CONCURRENCY = 64;
const LAYER_MS = envInt('BENCH_JOBS_LAYER_MS', 1_000);
const LAYER_ROUNDS = envInt('BENCH_JOBS_LAYER_ROUNDS', 7);

/** A level at one table size. */
interface JobsLevelResult extends CpuTimedResult {
  jobs: number;
}

/** The bench's list, asked of the given URLs, right when the page has PAGE edges. */
function listLoad<T extends string>(urls: Record<T, string>, token: string): ComparedQuery<T> {
  return { urls, token, query: LIST_QUERY, expectPath: ['data', 'packageJobs', 'edges', 'length'], expectValue: PAGE };
}

/**
 * Both paths must answer the same bytes: a bigger answer on one side would cost its server, and the
 * load client on the same cores, work the other does not do.
 */
async function expectSameAnswers(urls: Record<Target, string>, token: string): Promise<void> {
  const answers = await Promise.all(
    TARGETS.map(async (target) => {
      const response = await fetch(urls[target], {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: LIST_QUERY }),
      });
      return response.text();
    }),
  );
  if (answers[0] !== answers[1]) throw new Error(`the paths answer differently:\n${answers.join('\n')}`);
}

/**
 * The platform's processes besides this one, whose CPU time each path costs: the nats-server the
 * bench started (none when it was given one), and the gateway's when it runs in a process of its own.
 */
function watchedProcesses(platform: IamPlatform): Record<string, number> {
  const watched: Record<string, number> = {};
  const natsServer = descendantsOf(process.pid).find((pid) => commandName(pid) === 'nats-server');
  if (natsServer !== undefined) watched['nats-server'] = natsServer;
  if (platform.gatewayPid !== undefined) watched['gateway process'] = platform.gatewayPid;
  return watched;
}

/** Admin token, 100 projects, and a non-admin user holding `servicestage:assembling:*` in 3 of them. */
async function setUp(platform: IamPlatform): Promise<{ token: string; projectIds: string[]; heldProjectIds: string[] }> {
  const data = <T>(query: string, variables: Record<string, unknown>, token: string) =>
    setupData<T>(platform, query, variables, token);
  const admin = await signIn(platform, platform.admin);
  const projectIds: string[] = [];
  for (let i = 0; i < PROJECTS; i += 1) {
    const created = await data<{ createEnterpriseProject: { id: string } }>(
      `mutation P($n: String!) { createEnterpriseProject(name: $n) { id } }`,
      { n: `bench-project-${String(i).padStart(3, '0')}` },
      admin,
    );
    projectIds.push(created.createEnterpriseProject.id);
  }
  const userId = await createUser(platform, admin, 'bench-assembler');
  const policy = await data<{ createPolicy: { id: string } }>(
    `mutation { createPolicy(name: "bench-assembling", statements: [{ effect: ALLOW, actions: ["servicestage:assembling:*"] }]) { id } }`,
    {},
    admin,
  );
  // Spread over the range, so the held projects' jobs are interleaved with everyone else's.
  const heldProjectIds = [projectIds[7], projectIds[42], projectIds[81]].slice(0, HELD_PROJECTS);
  await data(
    `mutation A($p: ID!, $u: ID!, $e: [ID!]) { attachPolicy(policyId: $p, userId: $u, enterpriseProjectIds: $e) { id } }`,
    { p: policy.createPolicy.id, u: userId, e: heldProjectIds },
    admin,
  );
  return { token: await signInAs(platform, admin, userId), projectIds, heldProjectIds };
}

/** Grows jobs.package_jobs to `upTo` rows: project = n mod 100, one second apart, newest = highest n. */
async function growTo(db: DataSource, from: number, upTo: number, accountId: string, projectIds: string[]): Promise<number> {
  const started = performance.now();
  await db.query(
    `INSERT INTO jobs.package_jobs (account_id, enterprise_project_id, name, package_id, tech_stack, build_type, base_image,
       base_image_tag, image_class, archive_image, cluster_id, node_labels, warnings, created_by, created_at, updated_at)
     SELECT $1::uuid, ($2::uuid[])[1 + n % ${PROJECTS}], 'bench-job-' || n, gen_random_uuid(), 'JAVA', 'SYSTEM_DEFAULT',
       'eclipse-temurin', '17-jre', 'PRIVATE', 'bench/job-' || n || ':latest', gen_random_uuid(), '[]'::jsonb, '[]'::jsonb,
       $1::uuid, timestamptz '2026-01-01' + n * interval '1 second', timestamptz '2026-01-01' + n * interval '1 second'
     FROM generate_series($3::int, $4::int) AS n`,
    [accountId, projectIds, from + 1, upTo],
  );
  await db.query('ANALYZE jobs.package_jobs');
  return Math.round(performance.now() - started);
}

async function main(): Promise<void> {
  const platform = await startIamPlatform({ jobs: true, gatewayProcess: GATEWAY_PROCESS });
  const worker = startLoadWorker();
  let inProcess: Awaited<ReturnType<typeof startInProcessList>> | undefined;
  const results: JobsLevelResult[] = [];
  const plans: Record<number, string> = {};
  const loads: Record<number, number> = {};
  let layers: LayerResult[] = [];
  let fronts: CpuTimedResult<FrontEnd>[] = [];
  try {
    const jobs = platform.jobs!;
    const { token, projectIds } = await setUp(platform);
    const db = jobs.get(DataSource, { strict: false });
    const [{ account_id: accountId }] = (await db.query(`SELECT account_id FROM iam.enterprise_projects LIMIT 1`)) as {
      account_id: string;
    }[];
    inProcess = await startInProcessList(jobs, LIST_REQUEST);
    const watchedPids = watchedProcesses(platform);
    const urls: Record<Target, string> = { platform: platform.graphqlUrl, 'in-process': inProcess.url };
    const callers = jobs.get(CallerResolver, { strict: false });

    let rows = 0;
    for (const size of SIZES) {
      loads[size] = await growTo(db, rows, size, accountId, projectIds);
      rows = size;
      console.error(`${size} jobs inserted + analyzed in ${loads[size]} ms`);
      await expectSameAnswers(urls, token);

      // The plan of the very query both paths run (from the same query builder).
      const caller = await callers.resolve({ token, correlationId: 'bench-explain' });
      const query = listQuery(db, caller)!
        .orderBy('j.created_at', 'DESC')
        .addOrderBy('j.id', 'DESC')
        .take(PAGE + 1);
      const [sql, params] = query.getQueryAndParameters();
      const plan = (await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)) as { 'QUERY PLAN': string }[];
      plans[size] = plan.map((line) => line['QUERY PLAN']).join('\n');

      const levels = size === THROUGHPUT_SIZE ? LEVELS_AT_THROUGHPUT_SIZE : [SCALE_CLIENTS];
      for (const clients of levels) {
        const slice = loadSlices(worker, listLoad(urls, token), clients);
        const measured = await measureLevel(slice, TARGETS, clients, {
          warmupMs: WARMUP_MS,
          slices: SLICES,
          sliceMs: SLICE_MS,
          processes: watchedPids,
        });
        for (const level of measured) {
          const result: JobsLevelResult = { jobs: size, ...level };
          results.push(result);
          const error = result.firstError ? ` (first error: ${result.firstError})` : '';
          console.error(
            `${size} jobs, ${result.target} × ${clients}: ${result.requestsPerSecond} req/s, p50 ${result.latencyMs.p50} ms, ` +
              `p99 ${result.latencyMs.p99} ms, ${result.errors} errors${error}`,
          );
        }
      }
      if (size === THROUGHPUT_SIZE && platform.gateway) {
        layers = await measureLayers(
          { gateway: platform.gateway, jobs, token, query: LIST_QUERY, listRequest: LIST_REQUEST, expectedEdges: PAGE },
          { concurrency: LAYER_CONCURRENCY, durationMs: LAYER_MS, rounds: LAYER_ROUNDS },
        );
        console.error(`layers: ${layers.map((l) => `${l.layer} ${l.cpuMicrosPerRequest} µs`).join(', ')}`);
        const frontEnds = await startFrontEnds(platform.gateway, platform.graphqlUrl);
        try {
          const slice = loadSlices(worker, listLoad(frontEnds.urls, token), FRONT_END_CLIENTS);
          fronts = await measureLevel(slice, FRONT_ENDS, FRONT_END_CLIENTS, {
            warmupMs: WARMUP_MS,
            slices: SLICES,
            sliceMs: SLICE_MS,
          });
        } finally {
          await frontEnds.close();
        }
        console.error(
          `front ends: ${fronts.map((f) => `${f.target} ${f.requestsPerSecond} req/s, ${f.threadMicrosPerRequest} µs`).join('; ')}`,
        );
      }
    }
    report(results, plans, loads, layers, fronts);
  } finally {
    await worker.stop();
    await inProcess?.close();
    await platform.close();
  }
}

function report(
  results: JobsLevelResult[],
  plans: Record<number, string>,
  loads: Record<number, number>,
  layers: LayerResult[],
  fronts: CpuTimedResult<FrontEnd>[],
): void {
  const find = (jobs: number, target: Target, clients: number) =>
    results.find((r) => r.jobs === jobs && r.target === target && r.clients === clients);
  const percent = (value: number) => `${Math.round(value * 100)}%`;
  const anyErrors = results.some((r) => r.errors > 0);

  const ratios = LEVELS_AT_THROUGHPUT_SIZE.map((clients) => {
    const platform = find(THROUGHPUT_SIZE, 'platform', clients);
    const base = find(THROUGHPUT_SIZE, 'in-process', clients);
    return { clients, ratio: platform && base ? round(platform.requestsPerSecond / base.requestsPerSecond, 3) : Number.NaN };
  });
  const throughputVerdict = ratios.some((r) => Number.isNaN(r.ratio))
    ? 'n/a'
    : passFail(ratios.every((r) => r.ratio >= TARGET.minRatio) && !anyErrors);

  const smallest = Math.min(...SIZES);
  const largest = Math.max(...SIZES);
  const growth = (target: Target) =>
    round(
      (find(largest, target, SCALE_CLIENTS)?.latencyMs.p50 ?? NaN) /
        (find(smallest, target, SCALE_CLIENTS)?.latencyMs.p50 ?? NaN),
      3,
    );
  const platformGrowth = growth('platform');
  const baselineGrowth = growth('in-process');
  const scaleVerdict = passFail(platformGrowth <= TARGET.maxP50Growth && !anyErrors);

  console.log(`\n## package-jobs-list — GraphQL \`packageJobs(first: ${PAGE})\` (${describeEnvironment()})\n`);
  console.log(`User holding ${HELD_PROJECTS} of ${PROJECTS} enterprise projects; jobs spread evenly over the 100 projects.`);
  console.log(
    GATEWAY_PROCESS
      ? 'Gateway in a process of its own (dist/gateway/src/main.js, as npm start runs it); jobs, iam and the in-process baseline share the bench process.\n'
      : "Gateway, jobs, iam and the in-process baseline on the bench process's one thread.\n",
  );
  console.log(
    `### Item 1 — throughput at ${THROUGHPUT_SIZE.toLocaleString('en')} jobs (target: platform ≥ ${percent(TARGET.minRatio)} of in-process req/s)\n`,
  );
  const throughputRows = results.filter((r) => r.jobs === THROUGHPUT_SIZE);
  const watched = [...new Set(throughputRows.flatMap((r) => Object.keys(r.processMicrosPerRequest)))];
  console.log(
    markdownTable(
      [
        'path',
        ...LOAD_COLUMNS,
        'errors',
        'thread µs / req',
        'machine µs / req',
        ...watched.map((label) => `${label} µs / req`),
        'cores busy',
        'platform / in-process',
      ],
      throughputRows.map((r) => {
        const ratio = ratios.find((x) => x.clients === r.clients)!.ratio;
        return [
          r.target === 'platform' ? 'gateway → NATS → jobs' : 'in-process (no NATS)',
          ...loadCells(r),
          r.errors,
          r.threadMicrosPerRequest,
          r.machineMicrosPerRequest,
          ...watched.map((label) => r.processMicrosPerRequest[label] ?? ''),
          r.busyCores,
          r.target === 'platform' ? `${percent(ratio)} ${ratio >= TARGET.minRatio ? 'PASS' : 'FAIL'}` : '',
        ];
      }),
    ),
  );
  console.log(`\nItem 1: ${throughputVerdict}`);
  if (layers.length > 0) {
    // The level with as many clients as the layers have callers.
    reportLayers(
      layers,
      find(THROUGHPUT_SIZE, 'platform', LAYER_CONCURRENCY),
      find(THROUGHPUT_SIZE, 'in-process', LAYER_CONCURRENCY),
    );
  }
  if (fronts.length > 0) reportFrontEnds(fronts);
  console.log(
    `\n### Item 2 — growth, ${SCALE_CLIENTS} clients (target: platform p50 at ${largest.toLocaleString('en')} / p50 at ${smallest.toLocaleString('en')} ≤ ${TARGET.maxP50Growth})\n`,
  );
  console.log(
    markdownTable(
      ['jobs', 'path', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'insert + analyze ms'],
      results
        .filter((r) => r.clients === SCALE_CLIENTS)
        .map((r) => [
          r.jobs,
          r.target === 'platform' ? 'gateway → NATS → jobs' : 'in-process (no NATS)',
          r.requestsPerSecond,
          r.latencyMs.p50,
          r.latencyMs.p99,
          r.errors,
          r.target === 'in-process' ? loads[r.jobs] : '',
        ]),
    ),
  );
  console.log(`\nItem 2: p50 ratio platform ${platformGrowth} (in-process ${baselineGrowth}) → ${scaleVerdict}`);
  for (const size of [smallest, largest]) {
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS) at ${size.toLocaleString('en')} jobs:\n\n\`\`\`\n${plans[size]}\n\`\`\``);
  }
  console.log(
    `\nclosed loop; per level ${WARMUP_MS / 1000} s warm-up per path, then ${DURATION_MS / 1000} s measured per path in ` +
      `${SLICES} slices taken in turns (${LEAD_IN_MS} ms lead-in each); clients in a worker thread, servers on the main thread; ` +
      `thread µs / req: the main thread's CPU time per answered request${GATEWAY_PROCESS ? ' (not counting the gateway, in a process of its own)' : ''}; ` +
      `machine µs / req: every core's busy time per answered request (the clients, Postgres and NATS included); ` +
      `cores busy: of ${availableParallelism()}, on average; NODE_ENV=${process.env.NODE_ENV}.`,
  );
  const file = writeResults('package-jobs-list', results, {
    targets: {
      throughput: { minRatio: TARGET.minRatio, ratios, verdict: throughputVerdict },
      growth: { maxP50Growth: TARGET.maxP50Growth, platform: platformGrowth, inProcess: baselineGrowth, verdict: scaleVerdict },
    },
    plans,
    insertAndAnalyzeMs: loads,
    method: {
      query: LIST_QUERY,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      slices: SLICES,
      leadInMs: LEAD_IN_MS,
      sizes: SIZES,
      gateway: GATEWAY_PROCESS ? 'own process (dist/gateway/src/main.js)' : 'bench process',
      nodeEnv: process.env.NODE_ENV,
      layers: { concurrency: LAYER_CONCURRENCY, durationMs: LAYER_MS, rounds: LAYER_ROUNDS },
      frontEnds: { clients: FRONT_END_CLIENTS },
    },
    layers,
    frontEnds: fronts,
  });
  console.log(`\nwrote ${file}`);
}

/** The same GraphQL list through the gateway's Apollo server behind each HTTP front end. */
function reportFrontEnds(fronts: CpuTimedResult<FrontEnd>[]): void {
  const direct = fronts.find((f) => f.target === 'direct');
  console.log(
    `\n### The HTTP front end under Apollo (express against Fastify, issue 16 item 3), ${FRONT_END_CLIENTS} clients, gateway → NATS → jobs behind each\n`,
  );
  console.log(
    markdownTable(
      ['front end', ...LOAD_COLUMNS, 'errors', 'thread µs / req', 'req/s ÷ direct'],
      fronts.map((f) => [
        FRONT_END_NAMES[f.target],
        ...loadCells(f),
        f.errors,
        f.threadMicrosPerRequest,
        direct ? round(f.requestsPerSecond / direct.requestsPerSecond, 2) : '',
      ]),
    ),
  );
}

/** Where the platform path's thread time goes, layer by layer, beside the in-process path's. */
function reportLayers(layers: LayerResult[], platform?: JobsLevelResult, inProcess?: JobsLevelResult): void {
  const names: Record<LayerResult['layer'], string> = {
    service: "jobs' list in process (caller, SQL, DTOs, JSON), no HTTP",
    nats: '+ NATS: the gateway asks jobs (both transports, Nest pipeline)',
    graphql: "+ graphql-js: the operation on the gateway's schema (Nest resolver, guard)",
    apollo: "+ Apollo's request pipeline and the gateway's plugins",
  };
  const rows: (string | number)[][] = [];
  let previous: number | undefined;
  for (const layer of layers) {
    rows.push([
      names[layer.layer],
      layer.cpuMicrosPerRequest,
      previous === undefined ? '' : layer.cpuMicrosPerRequest - previous,
    ]);
    previous = layer.cpuMicrosPerRequest;
  }
  if (platform)
    rows.push([
      `+ HTTP: the platform path as measured above, ${LAYER_CONCURRENCY} clients`,
      platform.threadMicrosPerRequest,
      previous === undefined ? '' : platform.threadMicrosPerRequest - previous,
    ]);
  if (inProcess)
    rows.push([
      `the in-process path as measured above (HTTP, caller, SQL, JSON), ${LAYER_CONCURRENCY} clients`,
      inProcess.threadMicrosPerRequest,
      '',
    ]);
  console.log(
    `\n### Where the platform path's time goes: the bench thread's CPU µs per request (median of ${LAYER_ROUNDS} rounds of ${LAYER_MS / 1000} s, ${LAYER_CONCURRENCY} callers on the thread)\n`,
  );
  console.log(markdownTable(['layer', 'µs / request', 'added'], rows));
}

runBench('package-jobs-list', main);
