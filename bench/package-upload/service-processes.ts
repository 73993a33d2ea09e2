/**
 * iam and artifacts as their own processes, from the compiled `dist/` (run `npm run build`
 * first), exactly as `node dist/services/<name>/src/main.js` runs them in production, so the
 * artifacts service's RSS and CPU are its own and nothing of the bench is mixed in.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ArtifactsSubjects, IamSubjects } from '@stagecraft/contracts';
import type { NatsRpcClient } from '@stagecraft/messaging';

const ROOT = join(__dirname, '..', '..');
const STOP_GRACE_MS = 10_000;
const START_TIMEOUT_MS = 60_000;
const LOG_TAIL_LINES = 40;

export interface ServiceProcess {
  name: 'iam' | 'artifacts';
  pid: number;
  child: ChildProcess;
  /** The last lines it printed (stdout and stderr), for error messages. */
  logTail(): string;
  /** Sends a message over the IPC channel (only when started with one). */
  send(message: unknown): void;
  /** SIGTERM (Nest's shutdown hooks close NATS and the database), SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export interface StartOptions {
  name: 'iam' | 'artifacts';
  env: Record<string, string>;
  /** Extra node flags, e.g. a preload (`-r FILE`). */
  nodeArgs?: string[];
  /** Open an IPC channel (for the CPU-profiler preload). */
  ipc?: boolean;
}

export function compiledMain(name: 'iam' | 'artifacts'): string {
  const main = join(ROOT, 'dist', 'services', name, 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  return main;
}

export function spawnService(options: StartOptions): ServiceProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), compiledMain(options.name)], {
    cwd: ROOT,
    // A clean environment: only what the service reads (plus PATH/HOME), nothing of the bench's.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${options.name}`);
  const tail: string[] = [];
  const collect = (data: Buffer) => {
    for (const line of data.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      if (process.env.BENCH_UPLOAD_SERVICE_LOGS === '1') console.error(`[${options.name}] ${line}`);
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name: options.name,
    pid: child.pid,
    child,
    logTail: () => tail.join('\n'),
    send: (message) => {
      if (!child.send) throw new Error(`${options.name} has no IPC channel`);
      child.send(message as never);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until `<service>.health.v1` answers, failing early when the process exits. */
export async function waitHealthy(service: ServiceProcess, client: NatsRpcClient): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (let attempt = 0; Date.now() < deadline; attempt += 1) {
    if (service.child.exitCode !== null || service.child.signalCode !== null) {
      throw new Error(`${service.name} exited during start:\n${service.logTail()}`);
    }
    try {
      const subject = service.name === 'iam' ? IamSubjects.health : ArtifactsSubjects.health;
      const health = await client.send(subject, {});
      if (health.status === 'ok') return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, 50 * (attempt + 1))));
  }
  throw new Error(`${service.name} did not become healthy within ${START_TIMEOUT_MS / 1000} s:\n${service.logTail()}`);
}

/** Waits for iam to write the first administrator's access key (it does so on first start). */
export async function readBootstrapCredentials(
  file: string,
  iam: ServiceProcess,
): Promise<{ accessKey: string; secretKey: string }> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as { accessKey: string; secretKey: string };
      } catch {
        // being written
      }
    }
    if (iam.child.exitCode !== null) throw new Error(`iam exited during start:\n${iam.logTail()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`iam wrote no credentials to ${file}:\n${iam.logTail()}`);
}
