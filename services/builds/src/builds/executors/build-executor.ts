import type { BuildPhase } from '@stagecraft/contracts';

import type { BuildEntity } from '../infra/build.entity';

/** What an executor reports while it works. */
export interface ExecutionHooks {
  phase(phase: BuildPhase): Promise<void>;
  /** One line of the build log (the runner masks secrets and adds the newline). */
  log(line: string): void;
}

export type ExecutionOutcome =
  | { status: 'SUCCEEDED'; imageDigest: string; image: string }
  /** FAILED: the user's input (package, Dockerfile, base image, registry rights); ERROR: the platform's fault. */
  | { status: 'FAILED' | 'ERROR'; reason: string; message: string };

/** Runs one build to its end; it stops promptly when `signal` aborts (cancel or deadline). */
export interface BuildExecutor {
  execute(build: BuildEntity, hooks: ExecutionHooks, signal: AbortSignal): Promise<ExecutionOutcome>;
}
