import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BatchV1Api, CoreV1Api, V1Job, V1Pod } from '@kubernetes/client-node';
import { Logger } from '@nestjs/common';
import type { UnpackLimits } from '@stagecraft/archive';
import type { EgressPolicy } from '@stagecraft/config';
import { type BuildPhase, parsePhaseMarker } from '@stagecraft/contracts';
import { describeKubeError, kubeClient, requestOptions, ResourceWatcher, type TimestampedLine } from '@stagecraft/kube';
import {
  classifyBuildFailure,
  type DependencyPlan,
  downloadPackage,
  installEnvironment,
  mayInstallDependencies,
  type PackageRegistries,
  parseImageReference,
  planPackageDependencies,
  type RegistryCredentials,
  registryUrlOf,
} from '@stagecraft/oci';

import type { BuildEntity, LogCursors } from '../../infra/build.entity';
import type { BuildClusterStore, OpenedCluster } from '../../infra/build-cluster.store';
import {
  type BuildExecutor,
  BuildStop,
  type ExecutionHooks,
  type ExecutionOutcome,
  type ExecutionRun,
  packageUrlOf,
} from '../build-executor';
import { baseImageOf, imageLabels } from '../build-images';
import {
  BUILD_ID_LABEL,
  buildJobManifest,
  buildObjectName,
  type BuildPodOptions,
  buildSecretManifest,
  DEPENDENCIES_CONTAINER,
  type PodDependencies,
} from './build-job.manifests';
import { containerStatuses, decideBuildState, disruptionReason, isDisrupted } from './build-job.outcome';
import { ContainerLogFollower } from './container-log.follower';

export interface KubernetesExecutorOptions {
  clusters: BuildClusterStore;
  pod: Omit<BuildPodOptions, 'namespace'>;
  /** Registry host → credentials; the ones for the build's base and target registries go into its Secret. */
  credentials: Record<string, RegistryCredentials>;
  requestTimeoutMs: number;
  backoffMaxMs: number;
  /** How often a Job without a pod is checked for refused pod creation. */
  podRejectionCheckMs: number;
  /**
   * Dependency installs in the build pod: the registries the install may use, and how the builds
   * service reads the package to plan them (through the egress policy, within the archive limits).
   */
  dependencies: { registries: PackageRegistries; egress: EgressPolicy; limits?: Partial<UnpackLimits> };
}

/** BuildKit's progress lines when it starts pushing. */
const BUILDKIT_PUSH = /^#\d+ (pushing layers|pushing manifest|exporting manifest)/;
/** How long the end of a build waits for the last log lines. */
const LOG_DRAIN_MS = 15_000;

export function isKubernetesBuild(build: BuildEntity): boolean {
  return !!build.spec.clusterType && build.spec.clusterType !== 'LOCAL';
}

/**
 * Builds on Kubernetes clusters: one batch/v1 Job per build in the cluster's build namespace. The
 * Job outlives this process, so a build is resumable: `execute` creates the Job or adopts the one
 * already there, then follows it (watching the Job and its pods, streaming their logs) until the
 * cluster says it has ended.
 */
export class KubernetesExecutor implements BuildExecutor {
  constructor(private readonly options: KubernetesExecutorOptions) {}

  resumable(build: BuildEntity): boolean {
    return isKubernetesBuild(build);
  }

  async execute(build: BuildEntity, hooks: ExecutionHooks, signal: AbortSignal, run?: ExecutionRun): Promise<ExecutionOutcome> {
    const cluster = await this.options.clusters.open(build.clusterId);
    if (!cluster)
      return {
        status: 'ERROR',
        reason: 'CLUSTER_UNREACHABLE',
        message: "the builds service holds no usable connection for the build's cluster",
      };
    return new KubernetesBuildRun(build, cluster, hooks, signal, this.options, run?.credentials ?? this.options.credentials).run(
      run?.resumed ?? false,
    );
  }

  async release(build: BuildEntity): Promise<void> {
    const cluster = await this.options.clusters.open(build.clusterId);
    if (cluster) await deleteBuildObjects(cluster, buildObjectName(build.id), this.options.requestTimeoutMs);
  }
}

/** Deletes a build's Job (its pods with it, in the background) and its Secret; gone already is fine. */
export async function deleteBuildObjects(
  cluster: OpenedCluster,
  name: string,
  timeoutMs: number,
  which: { job: boolean } = { job: true },
): Promise<void> {
  const { BatchV1Api, CoreV1Api } = kubeClient();
  const batch = cluster.kubeConfig.makeApiClient(BatchV1Api);
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const namespace = cluster.namespace;
  if (which.job)
    await ignoreNotFound(
      batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }, requestOptions(timeoutMs)),
    );
  await ignoreNotFound(core.deleteNamespacedSecret({ name, namespace }, requestOptions(timeoutMs)));
}

async function ignoreNotFound(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (describeKubeError(error).status !== 404) throw error;
  }
}

/** One build followed on its cluster, from creating (or adopting) its Job to its end. */
class KubernetesBuildRun {
  private readonly logger = new Logger('KubernetesExecutor');
  private readonly name: string;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly cursors: LogCursors;
  private readonly followers = new Map<string, ContainerLogFollower>();
  private readonly noticed = new Set<string>();
  private phase: BuildPhase;
  private job: V1Job | undefined;
  private pods: V1Pod[] = [];
  private sawJob = false;
  private delivery = Promise.resolve();
  private settle!: (outcome: ExecutionOutcome | Error) => void;
  private ending = false;
  /** The build ended in a way the Job would not end by itself (image pull, repeated eviction): delete it. */
  private endedDeletingJob = false;

  constructor(
    private readonly build: BuildEntity,
    private readonly cluster: OpenedCluster,
    private readonly hooks: ExecutionHooks,
    private readonly signal: AbortSignal,
    private readonly options: KubernetesExecutorOptions,
    /** This build's registry credentials: the ones for its base and target registries go into its Secret. */
    private readonly credentials: Record<string, RegistryCredentials>,
  ) {
    this.name = buildObjectName(build.id);
    const { BatchV1Api, CoreV1Api } = kubeClient();
    this.batch = cluster.kubeConfig.makeApiClient(BatchV1Api);
    this.core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    this.cursors = structuredClone(build.logCursor ?? {});
    this.phase = build.phase ?? 'INIT';
  }

  async run(resumed: boolean): Promise<ExecutionOutcome> {
    const kubeConfig = this.cluster.kubeConfig;
    const namespace = this.cluster.namespace;
    const selector = `${BUILD_ID_LABEL}=${this.build.id}`;
    const watchOptions = {
      labelSelector: selector,
      backoff: { maxMs: this.options.backoffMaxMs },
      listTimeoutMs: this.options.requestTimeoutMs,
      onError: (error: { reason: string; retryInMs: number }) =>
        this.logger.warn(`build ${this.build.id}: watch failed (${error.reason}); retrying in ${error.retryInMs} ms`),
    };
    const jobs = new ResourceWatcher<V1Job>(kubeConfig, {
      ...watchOptions,
      path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
      list: (params, options) => this.batch.listNamespacedJob({ namespace, ...params }, options),
      onChange: (items) => {
        this.job = items.find((job) => job.metadata?.name === this.name);
        this.evaluate(jobs.synced && pods.synced);
      },
    });
    const pods = new ResourceWatcher<V1Pod>(kubeConfig, {
      ...watchOptions,
      path: `/api/v1/namespaces/${namespace}/pods`,
      list: (params, options) => this.core.listNamespacedPod({ namespace, ...params }, options),
      onChange: (items) => {
        this.pods = items.sort((a, b) => created(a) - created(b));
        this.evaluate(jobs.synced && pods.synced);
      },
    });
    const settled = new Promise<ExecutionOutcome | Error>((resolve) => (this.settle = resolve));
    let rejectionTimer: NodeJS.Timeout | undefined;
    const onAbort = () => this.settle(this.signal.reason instanceof Error ? this.signal.reason : new BuildStop('shutdown'));
    this.signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (this.signal.aborted) onAbort();
      else {
        let plan: DependencyPlan | null = null;
        if (!resumed) {
          const planned = await this.planDependencies();
          if ('status' in planned) return planned;
          plan = planned.plan;
        }
        try {
          if (resumed) await this.adopt();
          else await this.createOrAdopt(plan);
        } catch (error) {
          if (this.signal.aborted) throw this.signal.reason;
          if (error instanceof JobGoneError) return { status: 'ERROR', reason: 'JOB_DELETED', message: error.message };
          const reason = error instanceof AdoptionError ? error.message : describeKubeError(error).reason;
          return { status: 'ERROR', reason: 'KUBERNETES_API', message: `creating the build's Job failed: ${reason}` };
        }
      }
      await Promise.all([jobs.start(), pods.start()]);
      rejectionTimer = setInterval(() => void this.checkPodRejection(), this.options.podRejectionCheckMs);
      const result = await settled;
      if (result instanceof Error) {
        this.stopFollowers();
        if (result instanceof BuildStop && result.why !== 'shutdown') await this.deleteObjects();
        throw result;
      }
      // The watches keep running meanwhile: they tell the log followers when their containers ended.
      await this.drainLogs();
      if (result.status !== 'SUCCEEDED' && this.endedDeletingJob) await this.deleteObjects();
      else await this.deleteSecret();
      return result;
    } finally {
      clearInterval(rejectionTimer);
      this.signal.removeEventListener('abort', onAbort);
      this.stopFollowers();
      await Promise.allSettled([jobs.stop(), pods.stop()]);
    }
  }

  /**
   * Whether the pod installs dependencies: the builds service reads the package (NODEJS and
   * PYTHON assembler builds only) and plans the install the way every executor does, so a package
   * that cannot be installed (no lockfile, a refused source) fails before any object is created,
   * and a pod gets a `dependencies` container only when there is something to install.
   */
  private async planDependencies(): Promise<{ plan: DependencyPlan | null } | ExecutionOutcome> {
    const spec = this.build.spec;
    if (spec.buildSpec.type === 'CUSTOM_DOCKERFILE' || !mayInstallDependencies(spec.techStack)) return { plan: null };
    const { egress, limits } = this.options.dependencies;
    const dir = await mkdtemp(join(tmpdir(), 'stagecraft-plan-'));
    try {
      const file = join(dir, 'package');
      await downloadPackage(packageUrlOf(this.build), file, this.build.packageSha256, this.signal, egress.fetch);
      const plan = await planPackageDependencies(file, spec.techStack, { limits, tmpDir: dir });
      if (plan.note) this.hooks.log(plan.note);
      if (plan.install)
        this.hooks.log(`Dependencies: ${plan.install.summary}, in the build pod's ${DEPENDENCIES_CONTAINER} step`);
      return { plan };
    } catch (error) {
      if (this.signal.aborted) throw this.signal.reason;
      return classifyBuildFailure(error);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The Secret, then the Job; a 409 means a previous run of this process already made them: adopt them. */
  private async createOrAdopt(plan: DependencyPlan | null): Promise<void> {
    const namespace = this.cluster.namespace;
    const spec = this.build.spec;
    const baseImage = baseImageOf(this.build);
    const registries = this.options.dependencies.registries;
    const install = plan?.install ?? null;
    const podDependencies: PodDependencies | undefined =
      install && baseImage ? { install, env: installEnvironment(install, registries), image: baseImage } : undefined;
    const secret = buildSecretManifest(
      this.build,
      namespace,
      {
        buildId: this.build.id,
        baseImage,
        targetImage: spec.archiveImage,
        techStack: spec.techStack,
        packageName: spec.jobName,
        labels: imageLabels(this.build),
        packageUrl: packageUrlOf(this.build),
        packageSha256: this.build.packageSha256,
        platform: this.options.pod.platform,
        dockerfile: spec.buildSpec.dockerfile,
        dependencies: podDependencies
          ? { tool: podDependencies.install.tool, registryUrl: registryUrlOf(install!, registries) }
          : null,
      },
      this.registryAuth([spec.archiveImage, baseImage]),
    );
    const timeout = () => requestOptions(this.options.requestTimeoutMs, this.signal);
    const secretCreated = await this.createIfAbsent(() =>
      this.core.createNamespacedSecret({ namespace, body: secret }, timeout()),
    );
    const job = buildJobManifest(this.build, { ...this.options.pod, namespace }, podDependencies);
    const jobCreated = await this.createIfAbsent(() => this.batch.createNamespacedJob({ namespace, body: job }, timeout()));
    let uid: string | undefined;
    if (jobCreated) {
      uid = (jobCreated as V1Job).metadata?.uid;
      this.hooks.log(`Created Job ${namespace}/${this.name}`);
    } else {
      uid = await this.adopt();
    }
    // The Secret goes with the Job if the build's own clean-up never runs (ttlSecondsAfterFinished, a manual delete).
    if (secretCreated && uid)
      await this.core.patchNamespacedSecret(
        {
          name: this.name,
          namespace,
          // JSON Patch: client-node's default patch content type.
          body: [
            {
              op: 'add',
              path: '/metadata/ownerReferences',
              value: [{ apiVersion: 'batch/v1', kind: 'Job', name: this.name, uid }],
            },
          ],
        },
        timeout(),
      );
  }

  /**
   * Follows the build's existing Job (returns its uid). A resumed build whose Job is gone is not
   * started again: the cluster (a TTL, a person) removed it, and the build ends ERROR.
   */
  private async adopt(): Promise<string | undefined> {
    const namespace = this.cluster.namespace;
    let existing: V1Job;
    try {
      existing = await this.batch.readNamespacedJob(
        { name: this.name, namespace },
        requestOptions(this.options.requestTimeoutMs, this.signal),
      );
    } catch (error) {
      if (describeKubeError(error).status === 404)
        throw new JobGoneError(`the build's Job ${namespace}/${this.name} is no longer on the cluster`);
      throw error;
    }
    if (existing.metadata?.labels?.[BUILD_ID_LABEL] !== this.build.id)
      throw new AdoptionError(`Job ${this.name} exists and does not belong to this build`);
    this.hooks.log(`Following the existing Job ${namespace}/${this.name}`);
    return existing.metadata?.uid;
  }

  /** The created object, or null when it already existed (409 AlreadyExists). */
  private async createIfAbsent<T>(create: () => Promise<T>): Promise<T | null> {
    try {
      return await create();
    } catch (error) {
      const described = describeKubeError(error);
      if (described.status === 409 && described.statusReason === 'AlreadyExists') return null;
      throw error;
    }
  }

  private registryAuth(images: (string | null)[]): Record<string, RegistryCredentials> {
    const hosts = new Set(
      images.flatMap((image) => {
        try {
          return image ? [parseImageReference(image).registry] : [];
        } catch {
          return [];
        }
      }),
    );
    return Object.fromEntries(Object.entries(this.credentials).filter(([host]) => hosts.has(host)));
  }

  /** Called on every change the watches see: level-driven, it only looks at the Job and pods as they are now. */
  private evaluate(synced: boolean): void {
    if (!synced || this.ending) return;
    if (!this.job) {
      if (this.sawJob)
        this.end({ status: 'ERROR', reason: 'JOB_DELETED', message: "the build's Job was deleted on the cluster" }, false);
      return;
    }
    this.sawJob = true;
    for (const pod of this.pods) this.notice(pod);
    const state = decideBuildState(this.job, this.pods, this.phase);
    if (state.kind === 'ended') this.end(state.outcome, state.deleteJob);
  }

  /**
   * A Job whose pod the cluster refuses to create (Pod Security admission, say) never gets one:
   * the Job controller only says so in FailedCreate events. A refusal that is not about quota
   * (quota frees up as other builds end) fails the build instead of letting it wait for its deadline.
   */
  private async checkPodRejection(): Promise<void> {
    if (this.ending || !this.job || this.pods.length > 0) return;
    try {
      const events = await this.core.listNamespacedEvent(
        {
          namespace: this.cluster.namespace,
          fieldSelector: `involvedObject.kind=Job,involvedObject.name=${this.name},reason=FailedCreate`,
        },
        requestOptions(this.options.requestTimeoutMs, this.signal),
      );
      const refusal = events.items
        .map((event) => event.message ?? '')
        .find((message) => /forbidden/i.test(message) && !/exceeded quota/i.test(message));
      if (refusal && !this.ending && this.pods.length === 0)
        this.end({ status: 'FAILED', reason: 'POD_REJECTED', message: `the cluster refused the build pod: ${refusal}` }, true);
    } catch (error) {
      if (!this.signal.aborted)
        this.logger.warn(`build ${this.build.id}: reading the Job's events failed: ${describeKubeError(error).reason}`);
    }
  }

  private end(outcome: ExecutionOutcome, deleteJob: boolean): void {
    this.ending = true;
    this.endedDeletingJob = deleteJob;
    this.settle(outcome);
  }

  /** Says in the build log what happened to a pod, and follows the log of each container that has started. */
  private notice(pod: V1Pod): void {
    const podName = pod.metadata!.name!;
    const say = (key: string, line: string) => {
      if (this.noticed.has(key)) return;
      this.noticed.add(key);
      this.hooks.log(line);
    };
    const node = pod.spec?.nodeName;
    if (node && pod.status?.phase === 'Running' && !this.noticed.has(`${podName}/node`)) {
      say(`${podName}/node`, `Pod ${podName} runs on node ${node}`);
      // Through the delivery queue: recorded before anything the pod's log says.
      const record = () =>
        this.hooks
          .node(node)
          .catch((error: Error) => this.logger.warn(`build ${this.build.id}: recording its node failed: ${error.message}`));
      this.delivery = this.delivery.then(record, record);
    }
    if (isDisrupted(pod))
      say(
        `${podName}/disrupted`,
        `Pod ${podName} was disrupted (${disruptionReason(pod)}); the build is retried once in a new pod`,
      );
    for (const status of containerStatuses(pod)) {
      if (!status.state?.running && !status.state?.terminated) continue;
      const key = `${podName}/${status.name}`;
      if (this.followers.has(key)) continue;
      this.followers.set(
        key,
        new ContainerLogFollower({
          kubeConfig: this.cluster.kubeConfig,
          target: { namespace: this.cluster.namespace, pod: podName, container: status.name },
          cursor: () => this.cursors[key],
          deliver: (lines) => this.deliver(key, lines),
          finished: () => this.containerFinished(podName, status.name),
          backoffMaxMs: this.options.backoffMaxMs,
          onError: (reason) => this.logger.warn(`build ${this.build.id}: log of ${key}: ${reason}`),
        }),
      );
    }
  }

  private containerFinished(podName: string, container: string): boolean {
    const pod = this.pods.find((p) => p.metadata?.name === podName);
    return !pod || !!containerStatuses(pod).find((s) => s.name === container)?.state?.terminated;
  }

  /**
   * Stores lines in order with the cursor; a phase marker becomes the build's phase instead of a
   * line (the lines before it are stored first, so the log and the events agree).
   */
  private deliver(key: string, lines: TimestampedLine[]): Promise<void> {
    const work = async () => {
      let pending: string[] = [];
      const flush = async () => {
        await this.hooks.appendLog(pending, structuredClone(this.cursors));
        pending = [];
      };
      for (const line of lines) {
        const cursor = this.cursors[key];
        this.cursors[key] =
          cursor && cursor.time === line.time ? { time: line.time, seen: cursor.seen + 1 } : { time: line.time, seen: 1 };
        const marker = parsePhaseMarker(line.text);
        const next = marker ?? (this.phase === 'BUILD' && BUILDKIT_PUSH.test(line.text) ? 'PUSH' : null);
        if (!marker) pending.push(line.text);
        if (next && next !== this.phase) {
          await flush();
          this.phase = next;
          await this.hooks.phase(next);
        }
      }
      await flush();
    };
    this.delivery = this.delivery.then(work, work);
    return this.delivery;
  }

  private async drainLogs(): Promise<void> {
    // Look once more, so a container that ended before it was noticed gets its log read.
    for (const pod of this.pods) this.notice(pod);
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, LOG_DRAIN_MS)));
    await Promise.race([Promise.all([...this.followers.values()].map((f) => f.done)), cap]);
    clearTimeout(timer);
    this.stopFollowers();
    await this.delivery.catch(() => undefined);
  }

  private stopFollowers(): void {
    for (const follower of this.followers.values()) follower.stop();
  }

  private async deleteObjects(): Promise<void> {
    try {
      await deleteBuildObjects(this.cluster, this.name, this.options.requestTimeoutMs);
      this.hooks.log(`Deleted Job ${this.cluster.namespace}/${this.name}`);
    } catch (error) {
      this.logger.warn(`build ${this.build.id}: deleting its Job failed: ${describeKubeError(error).reason}`);
    }
  }

  private async deleteSecret(): Promise<void> {
    try {
      await deleteBuildObjects(this.cluster, this.name, this.options.requestTimeoutMs, { job: false });
    } catch (error) {
      this.logger.warn(`build ${this.build.id}: deleting its Secret failed: ${describeKubeError(error).reason}`);
    }
  }
}

class AdoptionError extends Error {}
class JobGoneError extends Error {}

function created(object: { metadata?: { creationTimestamp?: Date | string } }): number {
  const value = object.metadata?.creationTimestamp;
  return value ? new Date(value).getTime() : 0;
}
