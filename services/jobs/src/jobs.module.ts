import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthzModule, EnterpriseProjectScope } from '@stagecraft/authz';
import { healthNatsController, MessagingModule, NatsRpcClient } from '@stagecraft/messaging';
import { openDatabase } from '@stagecraft/persistence';

import { JobsConfig } from './config';
import { jobsMigrations } from './migrations';
import { BaseImageCatalog } from './package-jobs/domain/base-image-catalog';
import { JobReferences } from './package-jobs/infra/job-references';
import { PackageJobEntity } from './package-jobs/infra/package-job.entity';
import { PackageJobsNatsController } from './package-jobs/package-jobs.nats-controller';
import { PackageJobsService } from './package-jobs/package-jobs.service';

const ENTITIES = [PackageJobEntity];

@Module({})
export class JobsModule {
  static forConfig(config: JobsConfig): DynamicModule {
    // A malformed catalog stops the start, like any other bad configuration.
    const catalog = BaseImageCatalog.fromConfig(config.BASE_IMAGE_CATALOG);
    return {
      module: JobsModule,
      imports: [
        { module: JobsConfigModule, global: true, providers: [{ provide: JobsConfig, useValue: config }], exports: [JobsConfig] },
        MessagingModule.forRoot({ url: config.NATS_URL, subjectPrefix: config.NATS_SUBJECT_PREFIX, name: 'jobs' }),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ type: 'postgres', url: config.DATABASE_URL }),
          dataSourceFactory: () =>
            openDatabase({
              url: config.DATABASE_URL,
              schema: config.DATABASE_SCHEMA,
              entities: ENTITIES,
              migrations: jobsMigrations,
            }),
        }),
        TypeOrmModule.forFeature(ENTITIES),
        AuthzModule.forService(),
      ],
      controllers: [PackageJobsNatsController, healthNatsController('jobs')],
      providers: [
        { provide: BaseImageCatalog, useValue: catalog },
        {
          provide: EnterpriseProjectScope,
          inject: [NatsRpcClient],
          useFactory: (client: NatsRpcClient) => new EnterpriseProjectScope(client),
        },
        JobReferences,
        PackageJobsService,
      ],
    };
  }
}

@Module({})
class JobsConfigModule {}
