import { DynamicModule, Module } from '@nestjs/common';
import { AuthzModule, EnterpriseProjectScope } from '@stagecraft/authz';
import { configModule } from '@stagecraft/config';
import { healthNatsController, MessagingModule } from '@stagecraft/messaging';
import { serviceDatabaseModule } from '@stagecraft/persistence';

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
        configModule(JobsConfig, config),
        MessagingModule.forRoot({ name: 'jobs', nats: config }),
        serviceDatabaseModule({
          url: config.DATABASE_URL,
          schema: config.DATABASE_SCHEMA,
          entities: ENTITIES,
          migrations: jobsMigrations,
        }),
        AuthzModule.forService(),
      ],
      controllers: [PackageJobsNatsController, healthNatsController('jobs')],
      providers: [{ provide: BaseImageCatalog, useValue: catalog }, EnterpriseProjectScope, JobReferences, PackageJobsService],
    };
  }
}
