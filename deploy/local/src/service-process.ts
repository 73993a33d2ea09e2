import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { readableLog } from '@stagecraft/observability/process';

/** How a process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function describeExit({ code, signal }: ProcessExit): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

/** A platform process (a service or the gateway) with its output in `<logs>/<name>.log`. */
export class ServiceProcess {
  private readonly child: ChildProcess;
  readonly exited: Promise<ProcessExit>;
  readonly logFile: string;

  constructor(
    readonly name: string,
    entry: string,
    env: NodeJS.ProcessEnv,
    logDir: string,
  ) {
    this.logFile = join(logDir, `${name}.log`);
    const log = openSync(this.logFile, 'a');
    this.child = spawn(process.execPath, [entry], { env, stdio: ['ignore', log, log] });
    closeSync(log);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines it wrote, to explain an early exit: its JSON lines as `level context: message`. */
  tail(lines = 15): string {
    try {
      return readableLog(readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'));
    } catch {
      return '';
    }
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
