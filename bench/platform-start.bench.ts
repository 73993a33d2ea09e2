/**
 * `npm start` on a warm machine (compiled before, base images cached, the data folder made by an
 * earlier start): seconds until the GraphQL endpoint is printed, and the resident memory of the
 * whole platform once it has settled, idle: the RSS of every process `npm start` keeps running
 * (npm's own and each Postgres backend among them; shared pages count once per process, as RSS
 * does). Issue 16: ≤ 10 s and ≤ 512 MiB.
 *
 *   node -r ./bench/register.cjs bench/platform-start.bench.ts
 *
 * Environment: BENCH_START_REPS (3), BENCH_SETTLE_S (15: how long the idle platform is left
 * alone before its memory is read). Needs what `npm start` needs (README).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../deploy/local/src/free-port';
import { descendantsOf, rssMiB } from './package-upload/process-probe';
import { describeEnvironment, envInt, markdownTable, median, passFail, round, writeResults } from './support/bench-report';
import { runBench } from './support/run-bench';

const ROOT = join(__dirname, '..');
const REPS = envInt('BENCH_START_REPS', 3);
const SETTLE_S = envInt('BENCH_SETTLE_S', 15);
const TARGET = { maxStartSeconds: 10, maxIdleMiB: 512 };
const START_TIMEOUT_MS = 10 * 60_000;

interface ProcessMemory {
  pid: number;
  name: string;
  rssMiB: number;
  /**
   * Proportional set size: shared pages (the node binary, libraries) split among the processes
   * that map them, so the sum over processes is the memory the platform really takes; the sum of
   * RSS counts every shared page once per process.
   */
  pssMiB: number;
}

interface StartResult {
  rep: number;
  startSeconds: number;
  idle: { totalMiB: number; totalPssMiB: number; nodeMiB: number; otherMiB: number; processes: ProcessMemory[] };
}

function pssMiB(pid: number): number {
  const kib = /^Pss:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return kib ? Number(kib[1]) / 1024 : 0;
}

function memoryOf(pid: number): ProcessMemory | null {
  try {
    const rss = rssMiB(pid);
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const script = command.find((part) => part.endsWith('.js'));
    const name = script ? script.replace(`${ROOT}/`, '').replace(/^dist\//, '') : (command[0] ?? '?');
    return rss > 0 ? { pid, name, rssMiB: round(rss, 1), pssMiB: round(pssMiB(pid), 1) } : null;
  } catch {
    return null;
  }
}

function startPlatform(dataDir: string, port: number): { child: ChildProcess; printed: Promise<number> } {
  const started = process.hrtime.bigint();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, STAGECRAFT_DATA_DIR: dataDir, STAGECRAFT_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so Ctrl-C reaches npm and the launcher as in a terminal
  });
  let output = '';
  const printed = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no endpoint after ${START_TIMEOUT_MS / 1000} s:\n${output}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('GraphQL endpoint:')) {
        clearTimeout(timer);
        resolve(Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before the endpoint:\n${output}`)));
  });
  return { child, printed };
}

async function stopPlatform(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid!, 'SIGINT');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function measuredStart(rep: number, dataDir: string): Promise<StartResult> {
  const { child, printed } = startPlatform(dataDir, await freePort());
  try {
    const startSeconds = await printed;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_S * 1000));
    // Everything `npm start` keeps running, npm itself included: what the user's machine pays.
    const processes = [child.pid!, ...descendantsOf(child.pid!)]
      .map(memoryOf)
      .filter((memory): memory is ProcessMemory => memory !== null);
    const isNode = (memory: ProcessMemory) => memory.name.endsWith('.js') || memory.name.startsWith('npm');
    const sum = (list: ProcessMemory[], of: (memory: ProcessMemory) => number = (memory) => memory.rssMiB) =>
      round(
        list.reduce((total, memory) => total + of(memory), 0),
        1,
      );
    return {
      rep,
      startSeconds: round(startSeconds, 2),
      idle: {
        totalMiB: sum(processes),
        totalPssMiB: sum(processes, (memory) => memory.pssMiB),
        nodeMiB: sum(processes.filter(isNode)),
        otherMiB: sum(processes.filter((memory) => !isNode(memory))),
        processes,
      },
    };
  } finally {
    await stopPlatform(child);
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stagecraft-bench-start-'));
  try {
    // Warm: compiled, base images cached, the data folder initialised (not measured).
    execFileSync(process.execPath, [join(ROOT, 'deploy', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    const first = startPlatform(dataDir, await freePort());
    const firstSeconds = await first.printed;
    await stopPlatform(first.child);
    console.error(`platform-start: first start on a new data folder ${round(firstSeconds, 1)} s (not measured)`);

    const results: StartResult[] = [];
    for (let rep = 1; rep <= REPS; rep += 1) {
      const result = await measuredStart(rep, dataDir);
      results.push(result);
      console.error(`platform-start: rep ${rep}: ${result.startSeconds} s, idle ${result.idle.totalMiB} MiB`);
    }
    report(results);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(results: StartResult[]): void {
  const startMedian = median(results.map((r) => r.startSeconds));
  const idleMedian = median(results.map((r) => r.idle.totalMiB));
  const idlePssMedian = median(results.map((r) => r.idle.totalPssMiB));
  console.log(`\n## platform-start — warm \`npm start\` (${describeEnvironment()})\n`);
  console.log(
    markdownTable(
      [
        'rep',
        `start → endpoint s (≤ ${TARGET.maxStartSeconds})`,
        `idle RSS MiB (≤ ${TARGET.maxIdleMiB})`,
        'idle PSS MiB',
        'Node processes MiB',
        'others MiB',
        'processes',
      ],
      results.map((r) => [
        r.rep,
        `${r.startSeconds} ${passFail(r.startSeconds <= TARGET.maxStartSeconds)}`,
        `${r.idle.totalMiB} ${passFail(r.idle.totalMiB <= TARGET.maxIdleMiB)}`,
        r.idle.totalPssMiB,
        r.idle.nodeMiB,
        r.idle.otherMiB,
        r.idle.processes.length,
      ]),
    ),
  );
  const last = results.at(-1)!;
  console.log(`\nIdle memory after ${SETTLE_S} s, by process (rep ${last.rep}):\n`);
  console.log(
    markdownTable(
      ['process', 'RSS MiB', 'PSS MiB'],
      [...last.idle.processes].sort((a, b) => b.rssMiB - a.rssMiB).map((memory) => [memory.name, memory.rssMiB, memory.pssMiB]),
    ),
  );
  console.log(
    `\nMedians: start ${startMedian} s → ${passFail(startMedian <= TARGET.maxStartSeconds)}; ` +
      `idle ${idleMedian} MiB RSS → ${passFail(idleMedian <= TARGET.maxIdleMiB)} (PSS ${idlePssMedian} MiB).`,
  );
  const file = writeResults('platform-start', results, {
    target: { ...TARGET, startMedianSeconds: startMedian, idleMedianMiB: idleMedian, idlePssMedianMiB: idlePssMedian },
    method: {
      settleSeconds: SETTLE_S,
      command: 'npm start',
      warm: 'built, base images cached, data folder from an earlier start',
    },
  });
  console.log(`\nwrote ${file}`);
}

runBench('platform-start', main);
