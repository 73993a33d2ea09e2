/**
 * What the bench reads about other processes, from Linux's /proc:
 * - RSS sampled every 50 ms in a worker thread (so a busy bench event loop never delays a sample),
 * - the kernel's exact RSS high-water mark (VmHWM), reset per measured window with clear_refs,
 * - CPU time (user + system) per process, to see which process a phase keeps busy,
 * - a process's descendants (the servers a bench started), and the machine's CPU time.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const MiB = 1024 * 1024;
/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every mainstream Linux build. */
const CLOCK_TICKS_PER_SECOND = 100;

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return (Number(match[1]) * 1024) / MiB;
}

export function rssMiB(pid: number): number {
  return statusField(pid, 'VmRSS');
}

export function peakRssMiB(pid: number): number {
  return statusField(pid, 'VmHWM');
}

/** Resets the process's VmHWM to its current RSS (Linux ≥ 4.0, `echo 5 > clear_refs`); false when refused. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  if (pid === process.pid) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  }
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** The fields of `/proc/<pid>/stat` after the command name (which may hold spaces): state first. */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

export interface RssSeries {
  intervalMs: number;
  samples: number;
  /** Largest gap between consecutive samples: shows the sampler kept its pace. */
  maxGapMs: number;
  minMiB: number;
  maxMiB: number;
  /** [ms since start, MiB] pairs. */
  points: [number, number][];
}

const SAMPLER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { pid, intervalMs, maxSamples } = workerData;
const points = [];
const started = performance.now();
function sample() {
  try {
    const match = /^VmRSS:\\s+(\\d+) kB/m.exec(readFileSync('/proc/' + pid + '/status', 'latin1'));
    if (match && points.length < maxSamples) points.push([performance.now() - started, Number(match[1]) / 1024]);
  } catch {}
}
sample();
const timer = setInterval(sample, intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  sample();
  parentPort.postMessage(points);
});
`;

/** Samples a process's RSS until `stop()`; bounded to maxSamples (default: 2 hours at 50 ms). */
export function sampleRss(pid: number, intervalMs = 50, maxSamples = 144_000): { stop(): Promise<RssSeries> } {
  const worker = new Worker(SAMPLER_SOURCE, { eval: true, workerData: { pid, intervalMs, maxSamples } });
  return {
    stop: () =>
      new Promise<RssSeries>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('message', (points: [number, number][]) => {
          void worker.terminate();
          let maxGapMs = 0;
          for (let i = 1; i < points.length; i += 1) maxGapMs = Math.max(maxGapMs, points[i][0] - points[i - 1][0]);
          const values = points.map((point) => point[1]);
          resolve({
            intervalMs,
            samples: points.length,
            maxGapMs,
            minMiB: Math.min(...values),
            maxMiB: Math.max(...values),
            points,
          });
        });
        worker.postMessage('stop');
      }),
  };
}

/** The whole machine's CPU seconds so far, busy (everything but idle and iowait) and in total, over all cores. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0];
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
  const total = ticks.reduce((sum, value) => sum + value, 0);
  const idle = ticks[3] + ticks[4];
  return { busy: (total - idle) / CLOCK_TICKS_PER_SECOND, total: total / CLOCK_TICKS_PER_SECOND };
}

/**
 * Waits (at most `maxMs`) until, over one second, the machine was busy on at most `maxBusyCores`
 * cores' worth of CPU: on a shared machine, a step then does not start in the middle of someone
 * else's burst. Answers the busy cores of the last second and whether it was quiet.
 */
export async function waitForQuiet(
  maxBusyCores: number,
  maxMs: number,
): Promise<{ busyCores: number; quiet: boolean; waitedMs: number }> {
  const started = performance.now();
  for (;;) {
    const before = machineCpuSeconds();
    const windowStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = machineCpuSeconds();
    const busyCores = (after.busy - before.busy) / ((performance.now() - windowStart) / 1000);
    const waitedMs = performance.now() - started;
    if (busyCores <= maxBusyCores) return { busyCores, quiet: true, waitedMs };
    if (waitedMs >= maxMs) return { busyCores, quiet: false, waitedMs };
  }
}

function parentOf(pid: string): number | null {
  try {
    return Number(statFields(pid)[1]);
  } catch {
    return null;
  }
}

/** Every process below `root`, at any depth (a launcher's children and theirs: Postgres' backends too). */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const parent = parentOf(entry);
    if (parent !== null) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The executable's name (`/proc/<pid>/comm`: nats-server, node), or null once the process is gone. */
export function commandName(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
  } catch {
    return null;
  }
}
