import { DynamicModule, Module } from '@nestjs/common';
import { EnterpriseProjectScope } from '@stagecraft/authz';
import { EgressPolicy } from '@stagecraft/config';
import { secretBoxFrom } from '@stagecraft/secrets';
import { serviceModule } from '@stagecraft/service';

import { ClusterWatchOwnership } from './clusters/cluster-watch-ownership';
import { ClustersNatsController } from './clusters/clusters.nats-controller';
import { ClustersService } from './clusters/clusters.service';
import { ClusterEntity } from './clusters/infra/cluster.entity';
import { ClusterRepository } from './clusters/infra/cluster.repository';
import { ClusterConnections } from './clusters/infra/cluster-connections';
import { ClusterNodeEntity } from './clusters/infra/cluster-node.entity';
import { ClusterNodesRepository } from './clusters/infra/cluster-nodes.repository';
import { ClusterWatchLocks } from './clusters/infra/cluster-watch-locks';
import { NodeWatches } from './clusters/infra/node-watches';
import { SECRET_BOX } from './clusters/secret-box';
import { ClustersConfig } from './config';
import { clustersMigrations } from './migrations';

const ENTITIES = [ClusterEntity, ClusterNodeEntity];

@Module({})
export class ClustersModule {
  static forConfig(config: ClustersConfig): DynamicModule {
    return serviceModule({
      module: ClustersModule,
      name: 'clusters',
      configClass: ClustersConfig,
      config,
      entities: ENTITIES,
      migrations: clustersMigrations,
      controllers: [ClustersNatsController],
      providers: [
        { provide: SECRET_BOX, useFactory: () => secretBoxFrom(config) },
        { provide: EgressPolicy, useFactory: () => EgressPolicy.fromConfig(config) },
        EnterpriseProjectScope,
        ClusterRepository,
        ClusterNodesRepository,
        ClusterConnections,
        NodeWatches,
        ClusterWatchLocks,
        ClusterWatchOwnership,
        ClustersService,
      ],
    });
  }
}
