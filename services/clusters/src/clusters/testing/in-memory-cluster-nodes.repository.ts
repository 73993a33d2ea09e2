import type { ClusterNodeDto } from '@stagecraft/contracts';

import type { ClusterNodesRepository } from '../infra/cluster-nodes.repository';

/** ClusterNodesRepository over a map, for use-case specs without Postgres. */
export class InMemoryClusterNodesRepository implements Pick<ClusterNodesRepository, 'replace' | 'forClusters'> {
  readonly byCluster = new Map<string, ClusterNodeDto[]>();

  async replace(clusterId: string, nodes: ClusterNodeDto[]): Promise<void> {
    this.byCluster.set(
      clusterId,
      [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    );
  }

  async forClusters(clusterIds: string[]): Promise<Map<string, ClusterNodeDto[]>> {
    return new Map(clusterIds.map((id) => [id, this.byCluster.get(id) ?? []]));
  }
}
