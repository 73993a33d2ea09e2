import type { KubeConfig } from '@kubernetes/client-node';
import { Injectable, Logger } from '@nestjs/common';
import { EgressPolicy } from '@stagecraft/config';
import type { ClusterNodeDto } from '@stagecraft/contracts';
import {
  checkConnection,
  ensureBuildNamespace,
  kubeClient,
  KubeRequestError,
  parseCidrList,
  parseEgressAllowList,
  parseKubeconfig,
  requestOptions,
  summarizeNode,
} from '@stagecraft/kube';

import { ClustersConfig } from '../../config';
import { toNodeDto } from './node-watches';

/**
 * `reason` is what anyone who may see the cluster reads; `detail` is for administrators and the
 * log only (it tells closed, open and TLS ports apart: docs/security.md#egress).
 */
export type ConnectionOutcome = { ok: true; server: string } | { ok: false; reason: string; detail: string };

/** A connection that passed its check comes with the KubeConfig to go on with. */
export type CheckedConnection = Extract<ConnectionOutcome, { ok: false }> | { ok: true; server: string; kubeConfig: KubeConfig };

/**
 * Talking to a Kubernetes cluster once: the connection check with the build namespace, and a
 * single list of its nodes. Nothing here logs or returns a kubeconfig or a credential; reasons
 * come from libs/kube, which strips them.
 */
@Injectable()
export class ClusterConnections {
  private readonly logger = new Logger('ClusterConnections');

  constructor(
    private readonly config: ClustersConfig,
    private readonly egress: EgressPolicy,
  ) {}

  /** Checks the API server and prepares the build namespace. */
  async check(clusterId: string, kubeconfig: string): Promise<CheckedConnection> {
    const parsed = parseKubeconfig(kubeconfig, { egress: this.egress });
    if (!parsed.ok) return { ok: false, reason: parsed.problem, detail: parsed.problem };
    const check = await checkConnection(parsed.kubeConfig, { timeoutMs: this.config.KUBE_CONNECT_TIMEOUT_MS });
    if (!check.ok) {
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
    return { ok: true, server: parsed.server, kubeConfig: parsed.kubeConfig };
  }

  /** The cluster's nodes now, sorted by name, as a watch would store them. */
  async listNodes(kubeConfig: KubeConfig): Promise<ClusterNodeDto[]> {
    const list = await kubeConfig
      .makeApiClient(kubeClient().CoreV1Api)
      .listNode({}, requestOptions(this.config.KUBE_CONNECT_TIMEOUT_MS));
    return list.items
      .map(summarizeNode)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(toNodeDto);
  }
}
