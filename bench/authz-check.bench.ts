/**
 * Authorization check cost: `allows(ability, action, projectId)` on a cached ability, for policy
 * sets of 10, 100 and 1,000 statements, plus what compiling and building that ability costs.
 *
 *   node -r ./bench/register.cjs bench/authz-check.bench.ts
 *
 * Environment: BENCH_AUTHZ_CHECKS (timed checks per size, default 200000),
 * BENCH_AUTHZ_SIZES (comma-separated statement counts, default 10,100,1000).
 * Method and figures: docs/benchmarks.md.
 */
import { allows, type AppAbility, buildAbility, compilePolicies, explainPermission } from '@stagecraft/authz';

import {
  describeEnvironment,
  envInt,
  markdownTable,
  mean,
  median,
  passFail,
  percentile,
  round,
  writeResults,
} from './support/bench-report';
import { type Check, generateChecks, generatePolicySet } from './support/policy-set.generator';

const CHECKS = envInt('BENCH_AUTHZ_CHECKS', 200_000);
const SIZES = (process.env.BENCH_AUTHZ_SIZES ?? '10,100,1000').split(',').map(Number);
const PROJECTS = 20;
const DISTINCT_CHECKS = 4096; // a power of two: the loops pick with `i & MASK`
const MASK = DISTINCT_CHECKS - 1;
const WARMUP_CHECKS = 100_000;
const BUILD_REPEATS = 30;
const THROUGHPUT_BATCH = 1_000;
const TARGET = { statements: 100, p99Micros: 20 };
const MAX_SECONDS_PER_SIZE = 60; // a bound, should a change make checks very slow

interface SizeResult {
  statements: number;
  policies: number;
  attachments: number;
  denyStatements: number;
  wildcardPatterns: number;
  compiledRules: number;
  compileMs: { first: number; median: number };
  buildMs: { first: number; median: number };
  firstCheckMicros: number;
  checks: number;
  allowedRatio: number;
  latencyMicros: { p50: number; p99: number; p999: number; max: number };
  meanMicros: number;
  checksPerSecond: number;
  timerOverheadNanos: number;
}

/** The median cost of an empty `hrtime.bigint()` pair, subtracted from each timed check. */
function timerOverheadNanos(): number {
  const samples = new Float64Array(50_000);
  for (let i = 0; i < samples.length; i += 1) {
    const start = process.hrtime.bigint();
    samples[i] = Number(process.hrtime.bigint() - start);
  }
  return percentile(samples.sort(), 50);
}

const elapsedMs = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** Compile and build from scratch, as on a cache miss: the first run in this process and the median of the rest. */
function timeCompileAndBuild(grants: Parameters<typeof compilePolicies>[0], checks: readonly Check[]) {
  const compile: number[] = [];
  const build: number[] = [];
  const firstCheck: number[] = [];
  for (let i = 0; i < BUILD_REPEATS + 1; i += 1) {
    let start = process.hrtime.bigint();
    const rules = compilePolicies(grants, false);
    compile.push(elapsedMs(start));
    start = process.hrtime.bigint();
    const ability = buildAbility(rules);
    build.push(elapsedMs(start));
    // CASL indexes rules and compiles conditions lazily, on the first check of a subject type.
    const check = checks[i];
    start = process.hrtime.bigint();
    allows(ability, check.action, check.projectId);
    firstCheck.push(elapsedMs(start) * 1000);
  }
  return {
    compileMs: { first: round(compile[0], 3), median: round(median(compile.slice(1)), 3) },
    buildMs: { first: round(build[0], 3), median: round(median(build.slice(1)), 3) },
    firstCheckMicros: round(median(firstCheck.slice(1)), 2),
  };
}

/** The compiled ability must decide exactly as the reference explainPermission does. */
function assertAgreesWithReference(
  grants: Parameters<typeof compilePolicies>[0],
  ability: AppAbility,
  checks: readonly Check[],
): void {
  for (const check of checks) {
    const expected = explainPermission(grants, false, check.action, check.projectId).allowed;
    if (allows(ability, check.action, check.projectId) !== expected) {
      throw new Error(`ability and explainPermission disagree on ${check.action} in ${check.projectId}`);
    }
  }
}

function benchSize(statements: number, overhead: number): SizeResult {
  const set = generatePolicySet({ statements, projects: PROJECTS, seed: 0x5eed + statements });
  const checks = generateChecks(set, DISTINCT_CHECKS, 0xc4ec + statements);
  const timings = timeCompileAndBuild(set.grants, checks);

  // The cached case: compiled once, built once, then checked many times.
  const rules = compilePolicies(set.grants, false);
  const ability = buildAbility(rules);
  assertAgreesWithReference(set.grants, ability, checks);

  let allowed = 0;
  for (let i = 0; i < WARMUP_CHECKS; i += 1) {
    const check = checks[i & MASK];
    if (allows(ability, check.action, check.projectId)) allowed += 1;
  }

  // Latency: every check timed on its own (a check costs several times the timer itself).
  const deadline = Date.now() + MAX_SECONDS_PER_SIZE * 1000;
  const samples = new Float64Array(CHECKS);
  let timed = 0;
  allowed = 0;
  for (; timed < CHECKS; timed += 1) {
    const check = checks[timed & MASK];
    const start = process.hrtime.bigint();
    const ok = allows(ability, check.action, check.projectId);
    samples[timed] = Number(process.hrtime.bigint() - start) - overhead;
    if (ok) allowed += 1;
    if ((timed & 0xffff) === 0 && Date.now() > deadline) break;
  }
  const latencies = samples.subarray(0, timed).sort();

  // Throughput: the same checks in untimed batches, so the mean carries no timer cost.
  let done = 0;
  let batchNanos = 0;
  let sink = 0;
  while (done < timed) {
    const start = process.hrtime.bigint();
    for (let j = 0; j < THROUGHPUT_BATCH; j += 1) {
      const check = checks[(done + j) & MASK];
      if (allows(ability, check.action, check.projectId)) sink += 1;
    }
    batchNanos += Number(process.hrtime.bigint() - start);
    done += THROUGHPUT_BATCH;
  }
  const meanNanos = batchNanos / done;
  if (sink < 0) console.log(sink); // keeps the loop observable

  return {
    statements,
    policies: set.policyCount,
    attachments: set.grants.length,
    denyStatements: set.denyStatements,
    wildcardPatterns: set.wildcardPatterns,
    compiledRules: rules.length,
    ...timings,
    checks: timed,
    allowedRatio: round(allowed / timed, 3),
    latencyMicros: {
      p50: round(percentile(latencies, 50) / 1000, 3),
      p99: round(percentile(latencies, 99) / 1000, 3),
      p999: round(percentile(latencies, 99.9) / 1000, 3),
      max: round(latencies[latencies.length - 1] / 1000, 1),
    },
    meanMicros: round(meanNanos / 1000, 3),
    checksPerSecond: Math.round(1e9 / meanNanos),
    timerOverheadNanos: overhead,
  };
}

/** Compiles, builds and checks a middle-sized set 200 times first, so the first size measured does not pay for the JIT. */
function warmUpProcess(): void {
  const set = generatePolicySet({ statements: 100, projects: PROJECTS, seed: 1 });
  const checks = generateChecks(set, DISTINCT_CHECKS, 2);
  for (let i = 0; i < 200; i += 1) {
    const ability = buildAbility(compilePolicies(set.grants, false));
    for (let j = 0; j < 200; j += 1) allows(ability, checks[(i * 200 + j) & MASK].action, checks[(i * 200 + j) & MASK].projectId);
  }
}

function main(): void {
  warmUpProcess();
  const overhead = timerOverheadNanos();
  const results = SIZES.map((size) => benchSize(size, overhead));
  const atTarget = results.find((r) => r.statements === TARGET.statements);
  const verdict = atTarget ? passFail(atTarget.latencyMicros.p99 <= TARGET.p99Micros) : 'n/a';

  console.log(`\n## authz-check — allows() on a cached ability (${describeEnvironment()})\n`);
  console.log(
    markdownTable(
      [
        'statements',
        'attachments',
        'CASL rules',
        'compile ms',
        'build ms',
        '1st check µs',
        'p50 µs',
        'p99 µs',
        'p99.9 µs',
        'mean µs',
        'checks/s',
        'allowed',
        'target',
      ],
      results.map((r) => [
        r.statements,
        r.attachments,
        r.compiledRules,
        r.compileMs.median,
        r.buildMs.median,
        r.firstCheckMicros,
        r.latencyMicros.p50,
        r.latencyMicros.p99,
        r.latencyMicros.p999,
        r.meanMicros,
        r.checksPerSecond,
        `${Math.round(r.allowedRatio * 100)}%`,
        r.statements === TARGET.statements ? `p99 ≤ ${TARGET.p99Micros} µs: ${verdict}` : '',
      ]),
    ),
  );
  console.log(
    `\n${results[0]?.checks ?? 0} timed checks per size over ${DISTINCT_CHECKS} distinct (action, project) pairs in ${PROJECTS} projects, ` +
      `after ${WARMUP_CHECKS} warm-up checks; timer overhead ${overhead} ns subtracted per check. ` +
      `compile/build/1st check: median of ${BUILD_REPEATS} fresh builds after the first one (first: ${results.map((r) => `${r.compileMs.first}+${r.buildMs.first} ms`).join(', ')}).`,
  );
  const file = writeResults('authz-check', results, {
    target: { ...TARGET, verdict },
    method: {
      checksPerSize: CHECKS,
      warmupChecks: WARMUP_CHECKS,
      distinctChecks: DISTINCT_CHECKS,
      projects: PROJECTS,
      latency: 'each check timed alone with process.hrtime.bigint(), median timer overhead subtracted',
      throughput: `untimed batches of ${THROUGHPUT_BATCH} checks; mean = batch time / checks`,
      buildRepeats: BUILD_REPEATS,
    },
  });
  console.log(`\nwrote ${file}`);
  if (mean(results.map((r) => r.checks)) < CHECKS)
    console.log(`note: stopped early after ${MAX_SECONDS_PER_SIZE} s on some size`);
}

main();
