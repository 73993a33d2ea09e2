import { DynamicModule, Module } from '@nestjs/common';
import { AuthzModule } from '@stagecraft/authz';
import { configModule } from '@stagecraft/config';
import { healthNatsController, MessagingModule } from '@stagecraft/messaging';
import { serviceDatabaseModule } from '@stagecraft/persistence';

import { BuildEventsRelay } from './builds/build-events.relay';
import { BUILD_EXECUTOR, BuildRunner } from './builds/build-runner';
import { BuildScheduler } from './builds/build-scheduler';
import { BuildsNatsController } from './builds/builds.nats-controller';
import { BuildsService } from './builds/builds.service';
import type { BuildExecutor } from './builds/executors/build-executor';
import { BuildahBuilder } from './builds/executors/buildah.builder';
import { LocalExecutor } from './builds/executors/local.executor';
import { BuildEntity } from './builds/infra/build.entity';
import { BuildStore } from './builds/infra/build.store';
import { BuildLogStore } from './builds/infra/build-log.store';
import { BuildsConfig, registryCredentialsOf } from './config';
import { buildsMigrations } from './migrations';

@Module({})
export class BuildsModule {
  /** `executor` replaces the LOCAL executor (tests drive the queue with one of their own). */
  static forConfig(config: BuildsConfig, overrides: { executor?: BuildExecutor } = {}): DynamicModule {
    const credentials = registryCredentialsOf(config);
    const [os, architecture, variant] = config.BUILD_PLATFORM.split('/');
    return {
      module: BuildsModule,
      imports: [
        configModule(BuildsConfig, config),
        MessagingModule.forRoot({ url: config.NATS_URL, subjectPrefix: config.NATS_SUBJECT_PREFIX, name: 'builds' }),
        serviceDatabaseModule({
          url: config.DATABASE_URL,
          schema: config.DATABASE_SCHEMA,
          entities: [BuildEntity],
          migrations: buildsMigrations,
        }),
        AuthzModule.forService(),
      ],
      controllers: [BuildsNatsController, healthNatsController('builds')],
      providers: [
        {
          provide: BUILD_EXECUTOR,
          useValue:
            overrides.executor ??
            new LocalExecutor({ credentials, platform: { os, architecture, variant }, buildah: new BuildahBuilder(credentials) }),
        },
        BuildStore,
        BuildLogStore,
        BuildRunner,
        BuildScheduler,
        BuildEventsRelay,
        BuildsService,
      ],
    };
  }
}
