import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DynamicModule, Module } from '@nestjs/common';
import { AuthzModule } from '@stagecraft/authz';
import { configModule, EgressPolicy } from '@stagecraft/config';
import { BUILD_SERVICE_ACCOUNT } from '@stagecraft/kube';
import { healthNatsController, MessagingModule } from '@stagecraft/messaging';
import { archiveLimitsOf } from '@stagecraft/oci';
import { serviceDatabaseModule } from '@stagecraft/persistence';
import { SecretBox, secretBoxFrom } from '@stagecraft/secrets';

import { BuildEventsRelay } from './builds/build-events.relay';
import { BuildObjectsJanitor } from './builds/build-objects.janitor';
import { BUILD_EXECUTOR, BuildRunner } from './builds/build-runner';
import { BuildScheduler } from './builds/build-scheduler';
import { BuildsNatsController } from './builds/builds.nats-controller';
import { BuildsService } from './builds/builds.service';
import type { BuildExecutor } from './builds/executors/build-executor';
import { BuildSandbox } from './builds/executors/build-sandbox';
import { BuildahBuilder } from './builds/executors/buildah.builder';
import { ClusterTypeExecutor } from './builds/executors/cluster-type.executor';
import { BuildahDependencyInstaller } from './builds/executors/dependencies/dependency-installer';
import { DependencyLayerCache } from './builds/executors/dependencies/dependency-layer.cache';
import { LocalDependencies } from './builds/executors/dependencies/local-dependencies';
import { KubernetesExecutor } from './builds/executors/kubernetes/kubernetes.executor';
import { LocalExecutor } from './builds/executors/local.executor';
import { BuildEntity } from './builds/infra/build.entity';
import { BuildStore } from './builds/infra/build.store';
import { BuildClusterStore, BUILDS_SECRET_BOX } from './builds/infra/build-cluster.store';
import { BuildLogStore } from './builds/infra/build-log.store';
import { PackageUrlsClient } from './builds/infra/package-urls.client';
import { RegistryCredentialsClient } from './builds/infra/registry-credentials.client';
import { buildCacheDirOf, BuildsConfig, registryCredentialsOf } from './config';
import { buildsMigrations } from './migrations';

@Module({})
export class BuildsModule {
  /** `executor` replaces the LOCAL executor (tests drive the queue with one of their own); Kubernetes builds keep theirs. */
  static forConfig(config: BuildsConfig, overrides: { executor?: BuildExecutor } = {}): DynamicModule {
    const credentials = registryCredentialsOf(config);
    const [os, architecture, variant] = config.BUILD_PLATFORM.split('/');
    const registries = { npm: config.BUILD_NPM_REGISTRY, pip: config.BUILD_PIP_INDEX_URL };
    return {
      module: BuildsModule,
      imports: [
        configModule(BuildsConfig, config),
        MessagingModule.forRoot({ name: 'builds', nats: config }),
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
          provide: BUILDS_SECRET_BOX,
          useFactory: (): SecretBox | null => (config.SECRETS_KEY || config.SECRETS_KEY_FILE ? secretBoxFrom(config) : null),
        },
        { provide: EgressPolicy, useFactory: () => EgressPolicy.fromConfig(config) },
        BuildClusterStore,
        {
          provide: BUILD_EXECUTOR,
          inject: [BuildClusterStore, EgressPolicy],
          useFactory: (clusters: BuildClusterStore, egress: EgressPolicy) => {
            const limits = archiveLimitsOf(config);
            // One sandbox (build user, work root) for Dockerfile steps and dependency installs.
            const sandbox = new BuildSandbox({
              user: config.BUILD_USER,
              workRoot: config.BUILD_WORKDIR ?? join(tmpdir(), 'stagecraft-builds'),
            });
            const buildah = new BuildahBuilder({ credentials, sandbox, allowUnsealed: config.LOCAL_DOCKERFILE_UNSEALED });
            return new ClusterTypeExecutor(
              overrides.executor ??
                new LocalExecutor({
                  credentials,
                  egress,
                  limits,
                  platform: { os, architecture, variant },
                  buildah,
                  dependencies: new LocalDependencies({
                    installer: new BuildahDependencyInstaller({
                      sandbox,
                      credentials,
                      registries,
                      egress,
                      limits,
                      caBundle: config.BUILD_CA_BUNDLE ? readFileSync(config.BUILD_CA_BUNDLE) : undefined,
                    }),
                    cache: new DependencyLayerCache(buildCacheDirOf(config)),
                    registries,
                    egress,
                    readiness: () => buildah.readiness(),
                  }),
                }),
              new KubernetesExecutor({
                clusters,
                credentials,
                requestTimeoutMs: config.KUBE_REQUEST_TIMEOUT_MS,
                backoffMaxMs: config.KUBE_WATCH_BACKOFF_MAX_MS,
                podRejectionCheckMs: config.KUBE_POD_REJECTION_CHECK_MS,
                pod: {
                  assemblerImage: config.BUILD_ASSEMBLER_IMAGE,
                  buildkitImage: config.BUILD_BUILDKIT_IMAGE,
                  resources: {
                    cpuRequest: config.BUILD_POD_CPU_REQUEST,
                    cpuLimit: config.BUILD_POD_CPU_LIMIT,
                    memoryRequest: config.BUILD_POD_MEMORY_REQUEST,
                    memoryLimit: config.BUILD_POD_MEMORY_LIMIT,
                  },
                  deadlineSeconds: config.BUILD_DEADLINE_SECONDS,
                  ttlSecondsAfterFinished: config.BUILD_JOB_TTL_SECONDS,
                  serviceAccountName: BUILD_SERVICE_ACCOUNT,
                  scratchSizeLimit: config.BUILD_POD_SCRATCH_LIMIT,
                  platform: config.BUILD_PLATFORM,
                },
                dependencies: { registries, egress, limits },
              }),
            );
          },
        },
        BuildStore,
        BuildLogStore,
        PackageUrlsClient,
        RegistryCredentialsClient,
        BuildRunner,
        BuildScheduler,
        BuildEventsRelay,
        BuildObjectsJanitor,
        BuildsService,
      ],
    };
  }
}
