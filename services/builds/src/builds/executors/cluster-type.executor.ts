import type { BuildEntity } from '../infra/build.entity';
import type { BuildExecutor, ExecutionHooks, ExecutionOutcome, ExecutionRun } from './build-executor';
import { isKubernetesBuild, type KubernetesExecutor } from './kubernetes/kubernetes.executor';

/** Sends each build to the executor of its cluster's type: this machine (LOCAL) or Kubernetes. */
export class ClusterTypeExecutor implements BuildExecutor {
  constructor(
    private readonly local: BuildExecutor,
    private readonly kubernetes: KubernetesExecutor,
  ) {}

  execute(build: BuildEntity, hooks: ExecutionHooks, signal: AbortSignal, run?: ExecutionRun): Promise<ExecutionOutcome> {
    return (isKubernetesBuild(build) ? this.kubernetes : this.local).execute(build, hooks, signal, run);
  }

  resumable(build: BuildEntity): boolean {
    return this.kubernetes.resumable(build);
  }

  async release(build: BuildEntity): Promise<void> {
    if (isKubernetesBuild(build)) await this.kubernetes.release(build);
  }
}
