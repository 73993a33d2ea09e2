import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';

/** Nearest-rank percentile of an ascending-sorted array (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i += 1) sum += values[i];
  return values.length === 0 ? Number.NaN : sum / values.length;
}

/** Latency figures of a table row, in ms. */
export interface LatencySummary {
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

export function summarizeLatencies(sorted: ArrayLike<number>): LatencySummary {
  return {
    p50: round(percentile(sorted, 50), 2),
    p99: round(percentile(sorted, 99), 2),
    mean: round(mean(sorted), 2),
    max: round(sorted[sorted.length - 1] ?? Number.NaN, 1),
  };
}

export function median(values: readonly number[]): number {
  return percentile(Float64Array.from(values).sort(), 50);
}

/** One order's share of an {@link orderBalancedRatio}. */
export interface OrderMedian {
  order: string;
  repetitions: number;
  /** The middle ratio, or the mean of the two middle ones. */
  median: number;
}

/**
 * The ratio a verdict takes when a bench alternates which side goes first in each repetition:
 * each order's median, then the geometric mean of those, so both orders weigh the same whatever
 * the number of repetitions. On two cores, going first or second moved a repetition's ratio by
 * 20–40 % in the upload bench; a plain median over three alternating repetitions counted the
 * first repetition's order twice (docs/benchmarks.md, "Both orders weigh the same").
 */
export function orderBalancedRatio(results: readonly { order: string; ratio: number }[]): {
  ratio: number;
  byOrder: OrderMedian[];
} {
  const ratiosByOrder = new Map<string, number[]>();
  for (const { order, ratio } of results) ratiosByOrder.set(order, [...(ratiosByOrder.get(order) ?? []), ratio]);
  const byOrder = [...ratiosByOrder].map(([order, ratios]) => {
    const sorted = [...ratios].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    return { order, repetitions: ratios.length, median };
  });
  return { ratio: Math.exp(mean(byOrder.map((o) => Math.log(o.median)))), byOrder };
}

/** An order-balanced ratio as a bench's JSON gives it, rounded (the verdict takes the unrounded one). */
export function orderBalanceFigures({ ratio, byOrder }: ReturnType<typeof orderBalancedRatio>) {
  return { orderBalancedRatio: round(ratio, 3), byOrder: byOrder.map((o) => ({ ...o, median: round(o.median, 3) })) };
}

/** "1.012× (plain first: 1.2× of 2, Stagecraft first: 0.85× of 2)": how an order-balanced ratio came about. */
export function describeOrderBalance({ ratio, byOrder }: ReturnType<typeof orderBalancedRatio>): string {
  const orders = byOrder.map((o) => `${o.order}: ${round(o.median, 3)}× of ${o.repetitions}`).join(', ');
  return `${round(ratio, 3)}× (${orders}${byOrder.length < 2 ? '; one order only, not balanced' : ''})`;
}

/** A GitHub-flavoured Markdown table; numbers are right-aligned. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((row) => row.map(String));
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((row) => row[i].length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number'));
  const pad = (text: string, i: number) => (numeric[i] ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const line = (values: readonly string[]) => `| ${values.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => (numeric[i] ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line(headers), rule, ...cells.map(line)].join('\n');
}

/** Rounds to a fixed number of significant decimals, keeping the value a number for JSON. */
export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export interface BenchEnvironment {
  node: string;
  cpus: number;
  cpuModel: string;
  /** The machine's 1-minute load average when the results were written: how busy the rest of it was. */
  loadAverage1m: number;
}

export function benchEnvironment(): BenchEnvironment {
  return {
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverage1m: round(loadavg()[0], 2),
  };
}

/** One line naming what the figures were measured on. */
export function describeEnvironment(env: BenchEnvironment = benchEnvironment()): string {
  return `Node ${env.node}, ${env.cpus} CPUs (${env.cpuModel}), load average ${env.loadAverage1m}`;
}

/** Writes `bench/results/<name>.json` as `{ name, date, node, cpus, ..., results }`; returns its path. */
export function writeResults(name: string, results: unknown[], extra: Record<string, unknown> = {}): string {
  const folder = join(__dirname, '..', 'results');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${name}.json`);
  const { node, cpus: cpuCount, cpuModel, loadAverage1m } = benchEnvironment();
  const body = { name, date: new Date().toISOString(), node, cpus: cpuCount, cpuModel, loadAverage1m, ...extra, results };
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  return file;
}

/** A positive integer from the environment, or the default. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function passFail(ok: boolean): 'PASS' | 'FAIL' {
  return ok ? 'PASS' : 'FAIL';
}
