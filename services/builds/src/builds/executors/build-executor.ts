import type { BuildPhase, BuildReasonOf } from '@stagecraft/contracts';
import type { RegistryCredentials } from '@stagecraft/oci';

import type { BuildEntity, LogCursors } from '../infra/build.entity';

/** What an executor reports while it works. */
export interface ExecutionHooks {
  phase(phase: BuildPhase): Promise<void>;
  /** One line of the build log (the runner masks secrets and adds the newline). */
  log(line: string): void;
  /** The node the build runs on, once the cluster has chosen it. */
  node(name: string): Promise<void>;
  /** Lines read from a resumable source, stored together with how far it was read (see BuildEntity.logCursor). */
  appendLog(lines: string[], cursor: LogCursors): Promise<void>;
}

export interface ExecutionRun {
  /** The build was already RUNNING when this process took it up (a restart): follow it, do not start it again. */
  resumed: boolean;
  /**
   * Registry host → credentials for this build: the configured ones, and for the embedded
   * registry the build's own push credential (docs/registry.md). The executor's own otherwise.
   */
  credentials?: Record<string, RegistryCredentials>;
}

/** Why a running build is being stopped: the abort reason its executor sees. */
export class BuildStop extends Error {
  constructor(readonly why: 'cancel' | 'deadline' | 'shutdown') {
    super(why);
    this.name = 'BuildStop';
  }
}

export type ExecutionOutcome =
  | { status: 'SUCCEEDED'; imageDigest: string; image: string }
  /** FAILED: the user's input (package, Dockerfile, base image, registry rights); ERROR: the platform's fault. */
  | { status: 'FAILED'; reason: BuildReasonOf<'FAILED'>; message: string }
  | { status: 'ERROR'; reason: BuildReasonOf<'ERROR'>; message: string }
  /** The cluster stopped it at its deadline (a Kubernetes Job's activeDeadlineSeconds). */
  | { status: 'TIMED_OUT'; reason: BuildReasonOf<'TIMED_OUT'>; message: string };

/**
 * Runs one build to its end; it stops promptly when `signal` aborts (its reason is a BuildStop).
 * An executor whose builds outlive this process (Kubernetes) can resume them after a restart.
 */
export interface BuildExecutor {
  execute(build: BuildEntity, hooks: ExecutionHooks, signal: AbortSignal, run?: ExecutionRun): Promise<ExecutionOutcome>;
  /** True when this build's work continues without this process, so `execute` may be called again to follow it. */
  resumable?(build: BuildEntity): boolean;
  /** Removes whatever the build left running outside this process (a cancel noticed after a restart). */
  release?(build: BuildEntity): Promise<void>;
}

/** The package's URL, which the runner asks for before the build runs (null only while queued). */
export function packageUrlOf(build: BuildEntity): string {
  if (!build.packageUrl) throw new Error(`build ${build.id} has no package URL: it was never started by the runner`);
  return build.packageUrl;
}
