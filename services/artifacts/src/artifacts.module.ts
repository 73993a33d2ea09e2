import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EnterpriseProjectScope } from '@stagecraft/authz';
import { EgressPolicy } from '@stagecraft/config';
import { secretBoxFrom } from '@stagecraft/secrets';
import { serviceModule } from '@stagecraft/service';

import { ArtifactsConfig } from './config';
import { artifactsMigrations } from './migrations';
import { ObsCredentialsEntity } from './obs-credentials/infra/obs-credentials.entity';
import { ObsCredentialsRepository } from './obs-credentials/infra/obs-credentials.repository';
import { ObsCredentialsService, SECRET_BOX } from './obs-credentials/obs-credentials.service';
import { Clock } from './packages/domain/clock';
import { PackageInspector } from './packages/domain/package-inspector';
import { PackageStorage } from './packages/domain/package-storage';
import { PackageUsage } from './packages/domain/package-usage';
import { ProjectScope } from './packages/domain/project-scope';
import { SoftwarePackages } from './packages/domain/software-packages';
import { ArchivePackageInspector } from './packages/infra/archive-package-inspector';
import { NatsPackageUsage } from './packages/infra/nats-package-usage';
import { S3PackageStorage, SWR_STORE } from './packages/infra/s3-package-storage';
import { SoftwarePackageEntity } from './packages/infra/software-package.entity';
import { SoftwarePackageRepository } from './packages/infra/software-package.repository';
import { SystemClock } from './packages/infra/system-clock';
import { PackagesNatsController } from './packages/packages.nats-controller';
import { PackagesService } from './packages/packages.service';
import { S3Store } from './storage/s3-store';

const ENTITIES = [SoftwarePackageEntity, ObsCredentialsEntity];

/** Makes sure Stagecraft's own bucket exists before the first upload, and closes the client. */
@Injectable()
class SwrBucket implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(SWR_STORE) private readonly store: S3Store,
    private readonly config: ArtifactsConfig,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return this.store.ensureBucket(this.config.S3_BUCKET);
  }

  onModuleDestroy(): void {
    this.store.destroy();
  }
}

@Module({})
export class ArtifactsModule {
  static forConfig(config: ArtifactsConfig): DynamicModule {
    return serviceModule({
      module: ArtifactsModule,
      name: 'artifacts',
      configClass: ArtifactsConfig,
      config,
      entities: ENTITIES,
      migrations: artifactsMigrations,
      controllers: [PackagesNatsController],
      providers: [
        { provide: EgressPolicy, useFactory: () => EgressPolicy.fromConfig(config) },
        {
          provide: SWR_STORE,
          inject: [EgressPolicy],
          useFactory: (egress: EgressPolicy) =>
            new S3Store({
              endpoint: config.S3_ENDPOINT,
              publicEndpoint: config.S3_PUBLIC_ENDPOINT,
              region: config.S3_REGION,
              accessKeyId: config.S3_ACCESS_KEY_ID,
              secretAccessKey: config.S3_SECRET_ACCESS_KEY,
              forcePathStyle: config.S3_FORCE_PATH_STYLE,
              egress,
            }),
        },
        { provide: SECRET_BOX, useFactory: () => secretBoxFrom(config) },
        EnterpriseProjectScope,
        SwrBucket,
        ObsCredentialsRepository,
        ObsCredentialsService,
        // The packages use cases' ports, each with its one real implementation.
        { provide: SoftwarePackages, useClass: SoftwarePackageRepository },
        { provide: PackageStorage, useClass: S3PackageStorage },
        { provide: PackageInspector, useClass: ArchivePackageInspector },
        { provide: PackageUsage, useClass: NatsPackageUsage },
        { provide: ProjectScope, useExisting: EnterpriseProjectScope },
        { provide: Clock, useClass: SystemClock },
        PackagesService,
      ],
    });
  }
}
