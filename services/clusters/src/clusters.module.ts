import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthzModule, EnterpriseProjectScope } from '@stagecraft/authz';
import { healthNatsController, MessagingModule, NatsRpcClient } from '@stagecraft/messaging';
import { openDatabase } from '@stagecraft/persistence';
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
        {
          module: ClustersConfigModule,
          global: true,
          providers: [{ provide: ClustersConfig, useValue: config }],
          exports: [ClustersConfig],
        },
        MessagingModule.forRoot({ url: config.NATS_URL, subjectPrefix: config.NATS_SUBJECT_PREFIX, name: 'clusters' }),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ type: 'postgres', url: config.DATABASE_URL }),
          dataSourceFactory: () =>
            openDatabase({
              url: config.DATABASE_URL,
              schema: config.DATABASE_SCHEMA,
              entities: ENTITIES,
              migrations: clustersMigrations,
            }),
        }),
        TypeOrmModule.forFeature(ENTITIES),
        AuthzModule.forService(),
      ],
      controllers: [ClustersNatsController, healthNatsController('clusters')],
      providers: [
        { provide: SECRET_BOX, useFactory: () => secretBoxFrom(config) },
        {
          provide: EnterpriseProjectScope,
          inject: [NatsRpcClient],
          useFactory: (client: NatsRpcClient) => new EnterpriseProjectScope(client),
        },
        ClusterNodesRepository,
        ClusterConnections,
        ClustersService,
      ],
    };
  }
}

@Module({})
class ClustersConfigModule {}
