import type { KubeConfig } from '@kubernetes/client-node';
import { Inject, Injectable } from '@nestjs/common';
import { EgressPolicy } from '@stagecraft/config';
import type { ClusterConnectionDto } from '@stagecraft/contracts';
import { parseKubeconfig } from '@stagecraft/kube';
import type { SecretBox } from '@stagecraft/secrets';
import { DataSource } from 'typeorm';

import { type ClusterConnections, SecretsKeyMissingError } from '../domain/cluster-connections';

export const BUILDS_SECRET_BOX = Symbol('BUILDS_SECRET_BOX');

export interface OpenedCluster {
  kubeConfig: KubeConfig;
  namespace: string;
}

/**
 * The Kubernetes connection of each cluster builds ran on (kubeconfig sealed with SECRETS_KEY,
 * bound to the cluster id), refreshed whenever a build starts there, so that a restarted builds
 * service follows and cleans up its builds without anyone asking.
 */
@Injectable()
export class BuildClusterStore implements ClusterConnections {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(BUILDS_SECRET_BOX) private readonly secrets: SecretBox | null,
    private readonly egress: EgressPolicy,
  ) {}

  get configured(): boolean {
    return this.secrets !== null;
  }

  async save(connection: ClusterConnectionDto): Promise<void> {
    if (!this.secrets) throw new SecretsKeyMissingError();
    await this.dataSource.query(
      `INSERT INTO build_clusters (cluster_id, build_namespace, kubeconfig_sealed, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (cluster_id) DO UPDATE SET build_namespace = $2, kubeconfig_sealed = $3, updated_at = now()`,
      [connection.clusterId, connection.buildNamespace, this.secrets.seal(connection.kubeconfig, connection.clusterId)],
    );
  }

  /** The cluster's client configuration, or null when builds never ran there (or the key cannot open it). */
  async open(clusterId: string): Promise<OpenedCluster | null> {
    if (!this.secrets) return null;
    const [row]: { build_namespace: string; kubeconfig_sealed: string }[] = await this.dataSource.query(
      'SELECT build_namespace, kubeconfig_sealed FROM build_clusters WHERE cluster_id = $1',
      [clusterId],
    );
    if (!row) return null;
    let kubeconfig: string;
    try {
      kubeconfig = this.secrets.open(row.kubeconfig_sealed, clusterId);
    } catch {
      return null;
    }
    const parsed = parseKubeconfig(kubeconfig, { egress: this.egress });
    return parsed.ok ? { kubeConfig: parsed.kubeConfig, namespace: row.build_namespace } : null;
  }

  async clusterIds(): Promise<string[]> {
    const rows: { cluster_id: string }[] = await this.dataSource.query('SELECT cluster_id FROM build_clusters');
    return rows.map((row) => row.cluster_id);
  }
}
