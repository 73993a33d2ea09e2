import { DynamicModule, Module } from '@nestjs/common';
import { EnterpriseProjectScope } from '@stagecraft/authz';
import { serviceModule } from '@stagecraft/service';

import { JobsConfig } from './config';
import { jobsMigrations } from './migrations';
import { BaseImageCatalog } from './package-jobs/domain/base-image-catalog';
import { JobBuilds } from './package-jobs/domain/job-builds';
import { JobReferences } from './package-jobs/domain/job-references';
import { PackageJobs } from './package-jobs/domain/package-jobs';
import { NatsJobBuilds } from './package-jobs/infra/nats-job-builds';
import { NatsJobReferences } from './package-jobs/infra/nats-job-references';
import { PackageJobEntity } from './package-jobs/infra/package-job.entity';
import { PackageJobRepository } from './package-jobs/infra/package-job.repository';
import { PackageJobsNatsController } from './package-jobs/package-jobs.nats-controller';
import { PackageJobsService } from './package-jobs/package-jobs.service';

const ENTITIES = [PackageJobEntity];

@Module({})
export class JobsModule {
  static forConfig(config: JobsConfig): DynamicModule {
    // A malformed catalog stops the start, like any other bad configuration.
    const catalog = BaseImageCatalog.fromConfig(config.BASE_IMAGE_CATALOG);
    return serviceModule({
      module: JobsModule,
      name: 'jobs',
      configClass: JobsConfig,
      config,
      entities: ENTITIES,
      migrations: jobsMigrations,
      controllers: [PackageJobsNatsController],
      providers: [
        { provide: BaseImageCatalog, useValue: catalog },
        { provide: PackageJobs, useClass: PackageJobRepository },
        { provide: JobReferences, useClass: NatsJobReferences },
        { provide: JobBuilds, useClass: NatsJobBuilds },
        EnterpriseProjectScope,
        PackageJobsService,
      ],
    });
  }
}
