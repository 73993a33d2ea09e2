import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { ClusterNodeDto } from '@stagecraft/contracts';
import { In, Repository } from 'typeorm';

import { ClusterNodeEntity } from './cluster-node.entity';

/** A cluster's nodes as last seen; replaced whole on every change (node lists are small). */
@Injectable()
export class ClusterNodesRepository {
  constructor(@InjectRepository(ClusterNodeEntity) private readonly nodes: Repository<ClusterNodeEntity>) {}

  async replace(clusterId: string, nodes: ClusterNodeDto[]): Promise<void> {
    await this.nodes.manager.transaction(async (manager) => {
      await manager.delete(ClusterNodeEntity, { clusterId });
      if (nodes.length > 0)
        await manager.insert(
          ClusterNodeEntity,
          nodes.map((node) => ({ clusterId, ...node })),
        );
    });
  }

  async forClusters(clusterIds: string[]): Promise<Map<string, ClusterNodeDto[]>> {
    const byCluster = new Map<string, ClusterNodeDto[]>(clusterIds.map((id) => [id, []]));
    if (clusterIds.length === 0) return byCluster;
    const rows = await this.nodes.find({ where: { clusterId: In(clusterIds) }, order: { name: 'ASC' } });
    for (const row of rows) {
      byCluster
        .get(row.clusterId)!
        .push({ name: row.name, labels: row.labels, ready: row.ready, internalIP: row.internalIP, externalIP: row.externalIP });
    }
    return byCluster;
  }
}
