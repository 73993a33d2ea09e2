import { randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { Actions, type Caller } from '@stagecraft/authz';
import {
  type BuildDto,
  BuildError,
  BuildErrorReason,
  type BuildLogChunkDto,
  type BuildPageDto,
  type PackageJobDto,
} from '@stagecraft/contracts';

import { BuildsConfig } from '../config';
import { BUILD_EXECUTOR } from './build-runner';
import { BuildLogs } from './domain/build-logs';
import { BuildQueue } from './domain/build-queue';
import { BuildRecords, JobDeletedError } from './domain/build-records';
import { cancellationTarget, isTerminal } from './domain/build-state';
import { BuildTargets } from './domain/build-targets';
import { ClusterConnections, SecretsKeyMissingError } from './domain/cluster-connections';
import { PackageDownloads } from './domain/package-downloads';
import { PackageJobs } from './domain/package-jobs';
import { RunningBuilds } from './domain/running-builds';
import type { BuildExecutor } from './executors/build-executor';
import type { BuildEntity } from './infra/build.entity';
import { toBuildDto } from './infra/build-dto';

const MAX_LOG_READ = 1024 * 1024;

const jobNotFound = () => new BuildError(BuildErrorReason.JOB_NOT_FOUND, 'package job not found');
const actionDenied = (action: string) =>
  new BuildError(BuildErrorReason.ACTION_DENIED, `${action} is not allowed in this enterprise project`);

@Injectable()
export class BuildsService {
  constructor(
    private readonly builds: BuildRecords,
    private readonly logs: BuildLogs,
    private readonly queue: BuildQueue,
    private readonly running: RunningBuilds,
    @Inject(BUILD_EXECUTOR) private readonly executor: BuildExecutor,
    private readonly jobs: PackageJobs,
    private readonly targets: BuildTargets,
    private readonly downloads: PackageDownloads,
    private readonly clusters: ClusterConnections,
    private readonly config: BuildsConfig,
  ) {}

  /**
   * Snapshots the job and queues a build. The node and the package's bytes (sha256) are fixed now,
   * while the caller is here; the package's URL is asked for when the build starts running, with
   * the grant artifacts gives now, so it names storage as it is then (after a restart, too).
   */
  async start(caller: Caller, jobId: string): Promise<BuildDto> {
    // The Dockerfile as written (jobs.get masks its secrets): it stays in this service's database.
    return this.startFor(caller, await this.jobs.forBuild(caller, jobId));
  }

  /**
   * Build on a job jobs has just saved: it comes with the request (only jobs may send that
   * subject), so nothing is asked back. The caller's right is checked here all the same.
   */
  async startFor(caller: Caller, job: PackageJobDto): Promise<BuildDto> {
    if (job.accountId !== caller.accountId) throw jobNotFound();
    if (!caller.can(Actions.assembling.create, job.enterpriseProjectId)) throw actionDenied(Actions.assembling.create);
    const { cluster, nodes, connection } = await this.targets.find(caller, job.clusterId, job.nodeLabels);
    if (cluster.type !== 'LOCAL') {
      if (!this.clusters.configured)
        throw new BuildError(BuildErrorReason.CLUSTERS_NOT_CONFIGURED, new SecretsKeyMissingError().message);
      if (cluster.status !== 'AVAILABLE')
        throw new BuildError(
          BuildErrorReason.CLUSTER_NOT_AVAILABLE,
          `the cluster is ${cluster.status}${cluster.statusReason ? `: ${cluster.statusReason}` : ''}`,
          'jobId',
        );
      if (!connection)
        throw new BuildError(BuildErrorReason.CLUSTER_NOT_AVAILABLE, 'the cluster has no Kubernetes connection', 'jobId');
      // Kept here (sealed) so the build can be followed after a restart without the caller.
      await this.clusters.save(connection);
    }
    if (nodes.eligible.length === 0)
      throw new BuildError(
        BuildErrorReason.NO_ELIGIBLE_NODE,
        "no ready node of the cluster carries the job's node labels",
        'jobId',
      );
    const download = await this.downloads.grant(
      caller,
      job.packageId,
      this.config.BUILD_QUEUE_TIMEOUT_SECONDS + this.config.BUILD_DEADLINE_SECONDS + 600,
    );
    const build = await this.builds
      .create({
        id: randomUUID(),
        accountId: caller.accountId,
        enterpriseProjectId: job.enterpriseProjectId,
        jobId: job.id,
        clusterId: job.clusterId,
        spec: {
          jobName: job.name,
          packageId: job.packageId,
          techStack: job.techStack,
          buildSpec: job.buildSpec,
          imageClass: job.imageClass,
          archiveImage: job.archiveImage,
          clusterId: job.clusterId,
          nodeLabels: job.nodeLabels,
          nodeName: nodes.eligible[0].name,
          clusterType: cluster.type,
          eligibleNodes: nodes.eligible.map((node) => node.name),
        },
        triggeredBy: caller.userId,
        packageGrant: download.grant,
        packageSha256: download.sha256,
      })
      .catch((error: unknown) => {
        // The job's deletion got there first (docs/package-jobs.md#races).
        if (error instanceof JobDeletedError) throw jobNotFound();
        throw error;
      });
    this.queue.wake();
    return toBuildDto(build);
  }

  async cancel(caller: Caller, id: string): Promise<BuildDto> {
    const build = await this.visible(caller, id);
    if (!caller.can(Actions.assembling.modify, build.enterpriseProjectId)) throw actionDenied(Actions.assembling.modify);
    const target = cancellationTarget(build.status);
    if (!target) throw new BuildError(BuildErrorReason.ALREADY_FINISHED, `the build is already ${build.status}`, 'id');
    const moved = await this.builds.transition(id, target, target === 'CANCELLED' ? { message: 'cancelled by a user' } : {});
    if (!moved) throw new BuildError(BuildErrorReason.STATE_CHANGED, 'the build changed state meanwhile; read it again', 'id');
    if (
      target === 'CANCELLING' &&
      !this.running.stop(id, 'cancel') &&
      // Another replica runs it: it sees CANCELLING when it renews its lease, and stops it.
      !(await this.builds.leasedByAnotherRunner(id, this.running.id, new Date()))
    ) {
      // Not running in any replica (it never started, or its process is gone): nothing to wait
      // for but what it left on a cluster (the periodic clean-up retries if this fails).
      await this.executor.release?.(build).catch(() => undefined);
      await this.builds.transition(id, 'CANCELLED', { message: 'cancelled by a user' }, ['CANCELLING']);
    }
    this.queue.wake();
    return toBuildDto(await this.builds.get(id));
  }

  async get(caller: Caller, id: string): Promise<BuildDto> {
    return toBuildDto(await this.visible(caller, id));
  }

  async list(caller: Caller, jobId: string, page: { first?: number | null; after?: string | null }): Promise<BuildPageDto> {
    const [result, counts] = await Promise.all([
      this.builds.visiblePageOfJob(caller, jobId, page),
      this.builds.visibleCountsOfJob(caller, jobId),
    ]);
    return {
      edges: result.edges.map((edge) => ({ cursor: edge.cursor, node: toBuildDto(edge.node) })),
      hasNextPage: result.hasNextPage,
      endCursor: result.endCursor,
      counts,
    };
  }

  /** The newest build of each job (for PackageJob.lastBuild). */
  async lastBuilds(caller: Caller, jobIds: string[]): Promise<BuildDto[]> {
    const builds = await this.builds.lastOfJobs(caller.accountId, jobIds);
    return builds.filter((build) => caller.can(Actions.assembling.get, build.enterpriseProjectId)).map(toBuildDto);
  }

  async log(caller: Caller, buildId: string, offset: number, limit: number): Promise<BuildLogChunkDto> {
    const build = await this.visible(caller, buildId);
    return this.logs.read(buildId, offset, Math.min(limit, MAX_LOG_READ), isTerminal(build.status));
  }

  /**
   * Before a job is deleted (sent by the jobs service only, for the user deleting it): the user
   * must hold the job's delete right in its enterprise project, where an explicit Deny wins.
   * Refused while one of its builds is unfinished, else its builds and logs go.
   */
  async deleteJobBuilds(caller: Caller, jobId: string): Promise<{ deleted: number }> {
    // A job's project never changes, so its builds share one; every one is checked all the same.
    for (const projectId of await this.builds.projectsOfJob(caller.accountId, jobId)) {
      if (!caller.can(Actions.assembling.get, projectId)) throw jobNotFound();
      if (!caller.can(Actions.assembling.delete, projectId)) throw actionDenied(Actions.assembling.delete);
    }
    const { unfinished, deleted } = await this.builds.deleteJobBuilds(caller.accountId, jobId);
    if (unfinished > 0)
      throw new BuildError(
        BuildErrorReason.UNFINISHED_BUILDS,
        `the job has ${unfinished} unfinished build(s): cancel them or wait for them to end`,
        'id',
      );
    return { deleted };
  }

  /** Another project's build answers exactly as a missing one. */
  private async visible(caller: Caller, id: string): Promise<BuildEntity> {
    const build = await this.builds.findInAccount(caller.accountId, id);
    if (!build || !caller.can(Actions.assembling.get, build.enterpriseProjectId))
      throw new BuildError(BuildErrorReason.BUILD_NOT_FOUND, 'build not found');
    return build;
  }
}
