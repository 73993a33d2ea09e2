import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { EgressPolicy } from '@stagecraft/config';
import type { ClusterNodeDto } from '@stagecraft/contracts';
import {
  checkConnection,
  ensureBuildNamespace,
  KubeRequestError,
  type NodeSummary,
  NodeWatcher,
  parseCidrList,
  parseEgressAllowList,
  parseKubeconfig,
} from '@stagecraft/kube';

import { ClustersConfig } from '../../config';
import { ClusterNodesRepository } from './cluster-nodes.repository';

/**
 * `reason` is what anyone who may see the cluster reads; `detail` is for administrators and the
 * log only (it tells closed, open and TLS ports apart: docs/security.md#egress).
 */
export type ConnectionOutcome = { ok: true; server: string } | { ok: false; reason: string; detail: string };

/**
 * The live side of Kubernetes clusters: a connection check, the build namespace, and a node
 * watcher per cluster that keeps the stored node list current. Nothing here logs or returns a
 * kubeconfig or a credential; reasons come from libs/kube, which strips them.
 */
@Injectable()
export class ClusterConnections implements OnApplicationShutdown {
  private readonly logger = new Logger('ClusterConnections');
  private readonly watchers = new Map<string, NodeWatcher>();
  /** Node writes per cluster, one after another, so an older list never lands after a newer one. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly config: ClustersConfig,
    private readonly nodes: ClusterNodesRepository,
    private readonly egress: EgressPolicy,
  ) {}

  /** Checks the API server, prepares the build namespace and starts watching nodes. */
  async connect(clusterId: string, kubeconfig: string): Promise<ConnectionOutcome> {
    const parsed = parseKubeconfig(kubeconfig, { egress: this.egress });
    if (!parsed.ok) return { ok: false, reason: parsed.problem, detail: parsed.problem };
    const check = await checkConnection(parsed.kubeConfig, { timeoutMs: this.config.KUBE_CONNECT_TIMEOUT_MS });
    if (!check.ok) {
      await this.disconnect(clusterId);
      this.logger.warn(`cluster ${clusterId} is unavailable: ${check.reason}`);
      return { ok: false, reason: check.publicReason, detail: check.reason };
    }
    try {
      await ensureBuildNamespace(
        parsed.kubeConfig,
        {
          namespace: this.config.BUILD_NAMESPACE,
          quota: { pods: this.config.BUILD_QUOTA_PODS },
          clusterNetworkCidrs: parseCidrList(this.config.BUILD_EGRESS_BLOCKED_CIDRS),
          allowedEgress: parseEgressAllowList(this.config.BUILD_EGRESS_ALLOWED),
        },
        { requestTimeoutMs: this.config.KUBE_CONNECT_TIMEOUT_MS },
      );
    } catch (error) {
      const reason =
        error instanceof KubeRequestError ? `build namespace: ${error.message}` : 'build namespace could not be prepared';
      return { ok: false, reason, detail: reason };
    }
    await this.watch(clusterId, parsed.kubeConfig);
    return { ok: true, server: parsed.server };
  }

  /** Lists the nodes again now (refreshCluster). */
  async relist(clusterId: string): Promise<void> {
    await this.watchers.get(clusterId)?.relist();
    await this.writes.get(clusterId);
  }

  async disconnect(clusterId: string): Promise<void> {
    const watcher = this.watchers.get(clusterId);
    this.watchers.delete(clusterId);
    await watcher?.stop();
    await this.writes.get(clusterId);
    this.writes.delete(clusterId);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.watchers.keys()].map((id) => this.disconnect(id)));
  }

  private async watch(clusterId: string, kubeConfig: Parameters<typeof checkConnection>[0]): Promise<void> {
    await this.disconnect(clusterId);
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
