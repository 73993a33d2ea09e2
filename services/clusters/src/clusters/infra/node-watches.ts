import type { KubeConfig } from '@kubernetes/client-node';
import { Injectable, Logger } from '@nestjs/common';
import type { ClusterNodeDto } from '@stagecraft/contracts';
import { type NodeSummary, NodeWatcher } from '@stagecraft/kube';

import { ClustersConfig } from '../../config';
import { ClusterNodesRepository } from './cluster-nodes.repository';

/**
 * The node watchers this replica runs, one per cluster it owns (ClusterWatchOwnership decides
 * which), each storing the cluster's node list whenever it changes.
 */
@Injectable()
export class NodeWatches {
  private readonly logger = new Logger('NodeWatches');
  private readonly watchers = new Map<string, NodeWatcher>();
  /** Node writes per cluster, one after another, so an older list never lands after a newer one. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly config: ClustersConfig,
    private readonly nodes: ClusterNodesRepository,
  ) {}

  has(clusterId: string): boolean {
    return this.watchers.has(clusterId);
  }

  clusterIds(): string[] {
    return [...this.watchers.keys()];
  }

  /** Lists the nodes (again, when already watching) and watches them; resolves once that list is stored. */
  async start(clusterId: string, kubeConfig: KubeConfig): Promise<void> {
    await this.stop(clusterId);
    const watcher = new NodeWatcher(kubeConfig, {
      onChange: (summaries) => void this.store(clusterId, summaries.map(toNodeDto)),
      onError: ({ reason, attempt, retryInMs }) =>
        this.logger.warn(
          `watching the nodes of cluster ${clusterId} failed (${reason}); attempt ${attempt}, retrying in ${retryInMs} ms`,
        ),
      backoff: { maxMs: this.config.KUBE_WATCH_BACKOFF_MAX_MS },
    });
    this.watchers.set(clusterId, watcher);
    await watcher.start();
    await this.writes.get(clusterId);
  }

  async stop(clusterId: string): Promise<void> {
    const watcher = this.watchers.get(clusterId);
    this.watchers.delete(clusterId);
    await watcher?.stop();
    await this.writes.get(clusterId);
    this.writes.delete(clusterId);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.clusterIds().map((id) => this.stop(id)));
  }

  private store(clusterId: string, nodes: ClusterNodeDto[]): Promise<void> {
    const next = (this.writes.get(clusterId) ?? Promise.resolve())
      .then(() => this.nodes.replace(clusterId, nodes))
      .catch((error: unknown) => {
        this.logger.warn(
          `could not store the nodes of cluster ${clusterId}: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    this.writes.set(clusterId, next);
    return next;
  }
}

export function toNodeDto(summary: NodeSummary): ClusterNodeDto {
  return {
    name: summary.name,
    labels: Object.entries(summary.labels)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, value })),
    ready: summary.ready && !summary.unschedulable,
    internalIP: summary.internalIP ?? null,
    externalIP: summary.externalIP ?? null,
  };
}
