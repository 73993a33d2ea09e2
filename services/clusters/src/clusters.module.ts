import { DynamicModule, Module } from '@nestjs/common';
import { AuthzModule, EnterpriseProjectScope } from '@stagecraft/authz';
import { configModule, EgressPolicy } from '@stagecraft/config';
import { healthNatsController, MessagingModule } from '@stagecraft/messaging';
import { serviceDatabaseModule } from '@stagecraft/persistence';
import { secretBoxFrom } from '@stagecraft/secrets';

import { ClustersNatsController } from './clusters/clusters.nats-controller';
import { ClustersService, SECRET_BOX } from './clusters/clusters.service';
import { ClusterEntity } from './clusters/infra/cluster.entity';
import { ClusterConnections } from './clusters/infra/cluster-connections';
import { ClusterNodeEntity } from './clusters/infra/cluster-node.entity';
import { ClusterNodesRepository } from './clusters/infra/cluster-nodes.repository';
import { ClustersConfig } from './config';
import { clustersMigrations } from './migrations';

const ENTITIES = [ClusterEntity, ClusterNodeEntity];

@Module({})
export class ClustersModule {
  static forConfig(config: ClustersConfig): DynamicModule {
    return {
      module: ClustersModule,
      imports: [
        configModule(ClustersConfig, config),
        MessagingModule.forRoot({ name: 'clusters', nats: config }),
        serviceDatabaseModule({
          url: config.DATABASE_URL,
          schema: config.DATABASE_SCHEMA,
          entities: ENTITIES,
          migrations: clustersMigrations,
        }),
        AuthzModule.forService(),
      ],
      controllers: [ClustersNatsController, healthNatsController('clusters')],
      providers: [
        { provide: SECRET_BOX, useFactory: () => secretBoxFrom(config) },
        { provide: EgressPolicy, useFactory: () => EgressPolicy.fromConfig(config) },
        EnterpriseProjectScope,
        ClusterNodesRepository,
        ClusterConnections,
        ClustersService,
      ],
    };
  }
}
