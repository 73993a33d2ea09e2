import { describeExit, ServiceProcess } from './service-process';

/** How long a crashed process waits before its next start: doubling per crash, reset by a long enough run. */
export interface RestartBackoff {
  firstMs: number;
  maxMs: number;
  /** A run at least this long counts as healthy: the next crash waits firstMs again. */
  stableMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoff = { firstMs: 500, maxMs: 30_000, stableMs: 60_000 };

/** One platform process to run: the entry file and its environment. */
export interface ProcessSpec {
  name: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  /** What differs between the copies (each its own port), over `env`; the same across restarts. */
  replicaEnv?: (index: number) => NodeJS.ProcessEnv;
  /** How many copies run side by side (NATS queue groups share the work among them). */
  replicas: number;
}

export interface SupervisorHooks {
  /** Each new child, so the launcher's reaper can take it down if the launcher is killed. */
  started(pid: number | undefined): void;
  /** Each child that has ended, for whatever reason. */
  ended(pid: number | undefined): void;
  /** A child that ended on its own: how it ended and its last log lines; `restart` says when it comes back. */
  crashed(exit: string, restart: string): void;
}

/** The processes of the platform, each restarted with backoff whenever it exits on its own. */
export class Supervisor {
  private readonly replicas: SupervisedReplica[];
  /** The first exit of any process: a start that has not yet become healthy fails on it. */
  readonly firstExit: Promise<string>;

  constructor(specs: ProcessSpec[], logDir: string, hooks: SupervisorHooks, backoff = DEFAULT_RESTART_BACKOFF) {
    let reportFirstExit!: (message: string) => void;
    this.firstExit = new Promise((resolve) => (reportFirstExit = resolve));
    this.replicas = specs.flatMap((spec) =>
      Array.from(
        { length: spec.replicas },
        (_, index) =>
          new SupervisedReplica(replicaName(spec.name, index), replicaSpec(spec, index), logDir, backoff, {
            started: hooks.started,
            ended: hooks.ended,
            crashed: (exit, restart) => {
              reportFirstExit(exit);
              hooks.crashed(exit, restart);
            },
          }),
      ),
    );
  }

  /** Every replica's name and current pid, for status output and tests. */
  get processes(): { name: string; pid: number | undefined }[] {
    return this.replicas.map((replica) => ({ name: replica.name, pid: replica.pid }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => replica.stop()));
  }
}

/** The spec of one copy: its own environment over the shared one. */
function replicaSpec(spec: ProcessSpec, index: number): ProcessSpec {
  return spec.replicaEnv ? { ...spec, env: { ...spec.env, ...spec.replicaEnv(index) } } : spec;
}

/** `iam`, then `iam-2`, `iam-3`: the first replica keeps the name (and log file) a single process has. */
export function replicaName(name: string, index: number): string {
  return index === 0 ? name : `${name}-${index + 1}`;
}

class SupervisedReplica {
  private process: ServiceProcess;
  private crashes = 0;
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;

  constructor(
    readonly name: string,
    private readonly spec: ProcessSpec,
    private readonly logDir: string,
    private readonly backoff: RestartBackoff,
    private readonly hooks: SupervisorHooks,
  ) {
    this.process = this.start();
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.process.stop();
  }

  private start(): ServiceProcess {
    const child = new ServiceProcess(this.name, this.spec.entry, this.spec.env, this.logDir);
    const startedAt = Date.now();
    this.hooks.started(child.pid);
    void child.exited.then((exit) => {
      this.hooks.ended(child.pid);
      if (this.stopping) return;
      const ranMs = Date.now() - startedAt;
      this.crashes = ranMs >= this.backoff.stableMs ? 1 : this.crashes + 1;
      const delayMs = Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** (this.crashes - 1));
      this.hooks.crashed(
        `${this.name} exited (${describeExit(exit)}) after ${seconds(ranMs)}. Its last lines (${child.logFile}):\n${child.tail()}`,
        `restarting ${this.name} in ${seconds(delayMs)} (crash ${this.crashes} in a row)`,
      );
      this.restartTimer = setTimeout(() => {
        if (!this.stopping) this.process = this.start();
      }, delayMs);
    });
    return child;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
