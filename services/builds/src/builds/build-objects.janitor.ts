import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { describeKubeError, kubeClient, requestOptions } from '@stagecraft/kube';

import { BuildsConfig } from '../config';
import { isTerminal } from './domain/build-state';
import { BUILD_ID_LABEL, BUILD_OBJECTS_SELECTOR } from './executors/kubernetes/build-job.manifests';
import { deleteBuildObjects } from './executors/kubernetes/kubernetes.executor';
import { BuildRepository } from './infra/build.repository';
import { BuildClusterStore } from './infra/build-cluster.store';

/**
 * The periodic, level-driven clean-up of what builds leave on clusters: a Job still running for a
 * build that has ended here (cancelled while this service was away) or that no longer exists is
 * deleted with its pods; a Secret of an ended build is deleted. Finished Jobs of ended builds stay
 * for their ttlSecondsAfterFinished, so their pods can still be looked at.
 */
@Injectable()
export class BuildObjectsJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BuildObjectsJanitor');
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly builds: BuildRepository,
    private readonly clusters: BuildClusterStore,
    private readonly config: BuildsConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.clusters.configured) return;
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .then(() => undefined)
        .finally(() => (this.sweeping = undefined));
    }, this.config.KUBE_RECONCILE_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One pass over every cluster builds ran on; returns the names of the objects it deleted. */
  async sweep(): Promise<string[]> {
    const deleted: string[] = [];
    for (const clusterId of await this.clusters.clusterIds()) {
      try {
        deleted.push(...(await this.sweepCluster(clusterId)));
      } catch (error) {
        this.logger.warn(`clean-up of cluster ${clusterId} failed: ${describeKubeError(error).reason}`);
      }
    }
    return deleted;
  }

  private async sweepCluster(clusterId: string): Promise<string[]> {
    const cluster = await this.clusters.open(clusterId);
    if (!cluster) return [];
    const timeout = () => requestOptions(this.config.KUBE_REQUEST_TIMEOUT_MS);
    const { BatchV1Api, CoreV1Api } = kubeClient();
    const batch = cluster.kubeConfig.makeApiClient(BatchV1Api);
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const namespace = cluster.namespace;
    const [jobs, secrets] = await Promise.all([
      batch.listNamespacedJob({ namespace, labelSelector: BUILD_OBJECTS_SELECTOR }, timeout()),
      core.listNamespacedSecret({ namespace, labelSelector: BUILD_OBJECTS_SELECTOR }, timeout()),
    ]);
    const ids = [...jobs.items, ...secrets.items]
      .map((o) => o.metadata?.labels?.[BUILD_ID_LABEL])
      .filter((id): id is string => !!id);
    const known = await this.builds.statusesOf(ids);
    const ended = (id: string | undefined) => !!id && (!known.has(id) || isTerminal(known.get(id)!));
    const deleted: string[] = [];
    for (const job of jobs.items) {
      const id = job.metadata?.labels?.[BUILD_ID_LABEL];
      const finished = job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
      if (!ended(id) || (finished && known.has(id!))) continue;
      await deleteBuildObjects(cluster, job.metadata!.name!, this.config.KUBE_REQUEST_TIMEOUT_MS);
      deleted.push(`Job/${job.metadata!.name}`);
    }
    for (const secret of secrets.items) {
      if (!ended(secret.metadata?.labels?.[BUILD_ID_LABEL])) continue;
      await deleteBuildObjects(cluster, secret.metadata!.name!, this.config.KUBE_REQUEST_TIMEOUT_MS, { job: false });
      deleted.push(`Secret/${secret.metadata!.name}`);
    }
    if (deleted.length) this.logger.log(`removed ${deleted.join(', ')} from cluster ${clusterId}`);
    return deleted;
  }
}
