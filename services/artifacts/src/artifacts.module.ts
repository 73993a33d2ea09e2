import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AuthzModule, EnterpriseProjectScope } from '@stagecraft/authz';
import { configModule, EgressPolicy } from '@stagecraft/config';
import { healthNatsController, MessagingModule } from '@stagecraft/messaging';
import { serviceDatabaseModule } from '@stagecraft/persistence';
import { secretBoxFrom } from '@stagecraft/secrets';

import { ArtifactsConfig } from './config';
import { artifactsMigrations } from './migrations';
import { ObsCredentialsEntity } from './obs-credentials/infra/obs-credentials.entity';
import { ObsCredentialsService, SECRET_BOX } from './obs-credentials/obs-credentials.service';
import { SoftwarePackageEntity } from './packages/infra/software-package.entity';
import { PackagesNatsController } from './packages/packages.nats-controller';
import { PackagesService, SWR_STORE } from './packages/packages.service';
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
    return {
      module: ArtifactsModule,
      imports: [
        configModule(ArtifactsConfig, config),
        MessagingModule.forRoot({ name: 'artifacts', nats: config }),
        serviceDatabaseModule({
          url: config.DATABASE_URL,
          schema: config.DATABASE_SCHEMA,
          entities: ENTITIES,
          migrations: artifactsMigrations,
        }),
        AuthzModule.forService(),
      ],
      controllers: [PackagesNatsController, healthNatsController('artifacts')],
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
        ObsCredentialsService,
        PackagesService,
      ],
    };
  }
}
