import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DynamicModule, Module } from '@nestjs/common';
import { archiveLimitsOf } from '@stagecraft/archive';
import { EnterpriseProjectScope } from '@stagecraft/authz';
import { EgressPolicy } from '@stagecraft/config';
import { BUILD_SERVICE_ACCOUNT } from '@stagecraft/kube';
import { loadSigningKey } from '@stagecraft/oci';
import { SecretBox, secretBoxFrom } from '@stagecraft/secrets';
import { serviceModule } from '@stagecraft/service';

import { BuildAttestor } from './builds/attestation/build-attestor';
import { BaseImageWatcher } from './builds/base-image.watcher';
import { BaseImageImpactService } from './builds/base-image-impact.service';
import { BuildAttestationsService } from './builds/build-attestations.service';
import { BuildEventsRelay } from './builds/build-events.relay';
import { BuildHistoryPruner } from './builds/build-history.pruner';
import { BuildObjectsJanitor } from './builds/build-objects.janitor';
import { BuildRetentionService } from './builds/build-retention.service';
import { BUILD_ATTESTOR, BUILD_EXECUTOR, BuildRunner } from './builds/build-runner';
import { BuildScheduler } from './builds/build-scheduler';
import { BuildsNatsController } from './builds/builds.nats-controller';
import { BuildsService } from './builds/builds.service';
import { BuildLogs } from './builds/domain/build-logs';
import { BuildQueue } from './builds/domain/build-queue';
import { BuildRecords } from './builds/domain/build-records';
import { BuildTargets } from './builds/domain/build-targets';
import { ClusterConnections } from './builds/domain/cluster-connections';
import { PackageDownloads } from './builds/domain/package-downloads';
import { PackageJobs } from './builds/domain/package-jobs';
import { RunningBuilds } from './builds/domain/running-builds';
import type { BuildExecutor } from './builds/executors/build-executor';
import { BuildSandbox } from './builds/executors/build-sandbox';
import { BuildahBuilder } from './builds/executors/buildah.builder';
import { ClusterTypeExecutor } from './builds/executors/cluster-type.executor';
import { BuildahDependencyInstaller } from './builds/executors/dependencies/dependency-installer';
import { DependencyLayerCache } from './builds/executors/dependencies/dependency-layer.cache';
import { LocalDependencies } from './builds/executors/dependencies/local-dependencies';
import { KubernetesExecutor } from './builds/executors/kubernetes/kubernetes.executor';
import { LocalExecutor } from './builds/executors/local.executor';
import { RebasingExecutor } from './builds/executors/rebasing.executor';
import { BaseImageWatchStore } from './builds/infra/base-image-watch.store';
import { BuildEntity } from './builds/infra/build.entity';
import { BuildRepository } from './builds/infra/build.repository';
import { BuildAttestationEntity } from './builds/infra/build-attestation.entity';
import { BuildAttestationStore } from './builds/infra/build-attestation.store';
import { BuildClusterStore, BUILDS_SECRET_BOX } from './builds/infra/build-cluster.store';
import { BuildEventsPurge } from './builds/infra/build-events.purge';
import { BuildLogStore } from './builds/infra/build-log.store';
import { BuildRetentionStore } from './builds/infra/build-retention.store';
import { NatsBuildTargets } from './builds/infra/nats-build-targets';
import { NatsPackageDownloads } from './builds/infra/nats-package-downloads';
import { NatsPackageJobs } from './builds/infra/nats-package-jobs';
import { PackageUrlsClient } from './builds/infra/package-urls.client';
import { PrunedImageStore } from './builds/infra/pruned-image.store';
import { RebuildGrantsClient } from './builds/infra/rebuild-grants.client';
import { RegistryCredentialsClient } from './builds/infra/registry-credentials.client';
import { PrunedImageRemover } from './builds/pruned-image.remover';
import { buildCacheDirOf, BuildsConfig, registryCredentialsOf } from './config';
import { buildsMigrations } from './migrations';
import { WebhookEntity } from './webhooks/infra/webhook.entity';
import { WebhookRepository } from './webhooks/infra/webhook.repository';
import { WebhookSender } from './webhooks/infra/webhook.sender';
import { WebhookDeliveryEntity } from './webhooks/infra/webhook-delivery.entity';
import { WebhookDispatcher } from './webhooks/webhook.dispatcher';
import { WebhookEventsConsumer } from './webhooks/webhook-events.consumer';
import { WebhooksNatsController } from './webhooks/webhooks.nats-controller';
import { WebhooksService } from './webhooks/webhooks.service';

/** Names the SBOM's generating tool; raised with the statement layout (docs/attestations.md). */
const ATTESTATION_TOOL_VERSION = '1';

@Module({})
export class BuildsModule {
  /** `executor` replaces the LOCAL executor (tests drive the queue with one of their own); Kubernetes builds keep theirs. */
  static forConfig(config: BuildsConfig, overrides: { executor?: BuildExecutor } = {}): DynamicModule {
    const credentials = registryCredentialsOf(config);
    const [os, architecture, variant] = config.BUILD_PLATFORM.split('/');
    const registries = { npm: config.BUILD_NPM_REGISTRY, pip: config.BUILD_PIP_INDEX_URL };
    return serviceModule({
      module: BuildsModule,
      name: 'builds',
      configClass: BuildsConfig,
      config,
      entities: [BuildEntity, BuildAttestationEntity, WebhookEntity, WebhookDeliveryEntity],
      migrations: buildsMigrations,
      controllers: [BuildsNatsController, WebhooksNatsController],
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
            const byClusterType = new ClusterTypeExecutor(
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
            // BASE_IMAGE_CHANGED builds rebase instead of rebuilding (RebasingExecutor).
            return new RebasingExecutor(byClusterType, egress);
          },
        },
        {
          provide: BUILD_ATTESTOR,
          inject: [EgressPolicy],
          // Read once at start: a missing or unusable key stops the start (the error names the file, never its content).
          useFactory: (egress: EgressPolicy): BuildAttestor | null =>
            config.ATTESTATION_SIGNING_KEY_FILE
              ? new BuildAttestor({
                  key: loadSigningKey(readFileSync(config.ATTESTATION_SIGNING_KEY_FILE, 'utf8')),
                  builderId: config.ATTESTATION_BUILDER_ID,
                  egress,
                  limits: archiveLimitsOf(config),
                  toolVersion: ATTESTATION_TOOL_VERSION,
                })
              : null,
        },
        BuildAttestationStore,
        BuildAttestationsService,
        BuildRepository,
        BuildLogStore,
        PackageUrlsClient,
        RegistryCredentialsClient,
        BuildRunner,
        BuildScheduler,
        BuildEventsRelay,
        BuildObjectsJanitor,
        BuildHistoryPruner,
        BuildRetentionStore,
        PrunedImageStore,
        BuildEventsPurge,
        PrunedImageRemover,
        BuildRetentionService,
        BaseImageWatchStore,
        RebuildGrantsClient,
        BaseImageWatcher,
        BaseImageImpactService,
        EnterpriseProjectScope,
        // The ports BuildsService is written against.
        { provide: BuildRecords, useExisting: BuildRepository },
        { provide: BuildLogs, useExisting: BuildLogStore },
        { provide: BuildQueue, useExisting: BuildScheduler },
        { provide: RunningBuilds, useExisting: BuildRunner },
        { provide: ClusterConnections, useExisting: BuildClusterStore },
        { provide: PackageJobs, useClass: NatsPackageJobs },
        { provide: BuildTargets, useClass: NatsBuildTargets },
        { provide: PackageDownloads, useClass: NatsPackageDownloads },
        BuildsService,
        {
          provide: WebhookSender,
          inject: [EgressPolicy],
          useFactory: (egress: EgressPolicy) => new WebhookSender(egress, config.WEBHOOK_TIMEOUT_MS),
        },
        WebhookRepository,
        WebhookDispatcher,
        WebhookEventsConsumer,
        WebhooksService,
      ],
    });
  }
}
