import { randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { accessibleWhere, Actions, type Caller } from '@stagecraft/authz';
import {
  ArtifactsSubjects,
  type BuildDto,
  type BuildLogChunkDto,
  type BuildPageDto,
  ClustersSubjects,
  JobsSubjects,
  type PackageJobDto,
  ServiceError,
} from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';
import { paginate } from '@stagecraft/persistence';
import { Repository } from 'typeorm';

import { BuildsConfig } from '../config';
import { BUILD_EXECUTOR, BuildRunner } from './build-runner';
import { BuildScheduler } from './build-scheduler';
import { cancellationTarget, isTerminal } from './domain/build-state';
import type { BuildExecutor } from './executors/build-executor';
import { BuildEntity } from './infra/build.entity';
import { BuildStore, JobDeletedError, toBuildDto } from './infra/build.store';
import { BuildClusterStore, SecretsKeyMissingError } from './infra/build-cluster.store';
import { BuildLogStore } from './infra/build-log.store';

const MAX_LOG_READ = 1024 * 1024;

@Injectable()
export class BuildsService {
  constructor(
    @InjectRepository(BuildEntity) private readonly builds: Repository<BuildEntity>,
    private readonly store: BuildStore,
    private readonly logs: BuildLogStore,
    private readonly runner: BuildRunner,
    private readonly scheduler: BuildScheduler,
    private readonly clusters: BuildClusterStore,
    @Inject(BUILD_EXECUTOR) private readonly executor: BuildExecutor,
    private readonly client: NatsRpcClient,
    private readonly config: BuildsConfig,
  ) {}

  /**
   * Snapshots the job and queues a build. The node and the package's bytes (sha256) are fixed now,
   * while the caller is here; the package's URL is asked for when the build starts running, with
   * the grant artifacts gives now, so it names storage as it is then (after a restart, too).
   */
  async start(caller: Caller, jobId: string): Promise<BuildDto> {
    // The Dockerfile as written (jobs.get masks its secrets): it stays in this service's database.
    return this.startFor(caller, await this.client.send(JobsSubjects.getJobForBuild, { id: jobId }, caller.meta));
  }

  /**
   * Build on a job jobs has just saved: it comes with the request (only jobs may send that
   * subject), so nothing is asked back. The caller's right is checked here all the same.
   */
  async startFor(caller: Caller, job: PackageJobDto): Promise<BuildDto> {
    if (job.accountId !== caller.accountId) throw ServiceError.notFound('package job');
    if (!caller.can(Actions.assembling.create, job.enterpriseProjectId)) {
      throw ServiceError.forbidden(`${Actions.assembling.create} is not allowed in this enterprise project`);
    }
    const { cluster, nodes, connection } = await this.client.send(
      ClustersSubjects.buildTarget,
      { clusterId: job.clusterId, labels: job.nodeLabels },
      caller.meta,
    );
    if (cluster.type !== 'LOCAL') {
      if (!this.clusters.configured) throw ServiceError.unavailable(new SecretsKeyMissingError().message);
      if (cluster.status !== 'AVAILABLE')
        throw ServiceError.conflict(
          `the cluster is ${cluster.status}${cluster.statusReason ? `: ${cluster.statusReason}` : ''}`,
          'jobId',
        );
      if (!connection) throw ServiceError.conflict('the cluster has no Kubernetes connection', 'jobId');
      // Kept here (sealed) so the build can be followed after a restart without the caller.
      await this.clusters.save(connection);
    }
    if (nodes.eligible.length === 0)
      throw ServiceError.conflict("no ready node of the cluster carries the job's node labels", 'jobId');
    const download = await this.client.send(
      ArtifactsSubjects.downloadUrl,
      { id: job.packageId, ttlSeconds: this.config.BUILD_QUEUE_TIMEOUT_SECONDS + this.config.BUILD_DEADLINE_SECONDS + 600 },
      caller.meta,
    );
    const build = await this.store
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
        packageGrant: download.grant ?? null,
        packageSha256: download.sha256,
      })
      .catch((error: unknown) => {
        // The job's deletion got there first (docs/package-jobs.md#races).
        if (error instanceof JobDeletedError) throw ServiceError.notFound('package job');
        throw error;
      });
    this.scheduler.wake();
    return toBuildDto(build);
  }

  async cancel(caller: Caller, id: string): Promise<BuildDto> {
    const build = await this.visible(caller, id);
    if (!caller.can(Actions.assembling.modify, build.enterpriseProjectId)) {
      throw ServiceError.forbidden(`${Actions.assembling.modify} is not allowed in this enterprise project`);
    }
    const target = cancellationTarget(build.status);
    if (!target) throw ServiceError.conflict(`the build is already ${build.status}`, 'id');
    const moved = await this.store.transition(id, target, target === 'CANCELLED' ? { message: 'cancelled by a user' } : {});
    if (!moved) throw ServiceError.conflict('the build changed state meanwhile; read it again', 'id');
    if (target === 'CANCELLING' && !this.runner.stop(id, 'cancel')) {
      // Not running in this process (it never started, or its process is gone): nothing to wait
      // for but what it left on a cluster (the periodic clean-up retries if this fails).
      await this.executor.release?.(build).catch(() => undefined);
      await this.store.transition(id, 'CANCELLED', { message: 'cancelled by a user' }, ['CANCELLING']);
    }
    this.scheduler.wake();
    return toBuildDto(await this.builds.findOneByOrFail({ id }));
  }

  async get(caller: Caller, id: string): Promise<BuildDto> {
    return toBuildDto(await this.visible(caller, id));
  }

  async list(caller: Caller, jobId: string, page: { first?: number | null; after?: string | null }): Promise<BuildPageDto> {
    // Filtered in SQL, before paging: a job the caller cannot see answers exactly as a missing one
    // (an empty page with null cursors), and a cursor only ever names a build on the caller's page.
    const columns = { enterpriseProjectId: 'b.enterprise_project_id' };
    const listable = accessibleWhere(caller.ability, 'list', 'assembling', columns, 'authz_list');
    const readable = accessibleWhere(caller.ability, 'get', 'assembling', columns, 'authz_get');
    if (!listable || !readable) return { edges: [], hasNextPage: false, endCursor: null };
    const query = this.builds
      .createQueryBuilder('b')
      .where('b.account_id = :accountId AND b.job_id = :jobId', { accountId: caller.accountId, jobId })
      .andWhere(listable.sql, listable.params)
      .andWhere(readable.sql, readable.params);
    const result = await paginate(query, { createdAt: 'b.created_at', id: 'b.id' }, page);
    return {
      edges: result.edges.map((edge) => ({ cursor: edge.cursor, node: toBuildDto(edge.node) })),
      hasNextPage: result.hasNextPage,
      endCursor: result.endCursor,
    };
  }

  /** The newest build of each job (for PackageJob.lastBuild). */
  async lastBuilds(caller: Caller, jobIds: string[]): Promise<BuildDto[]> {
    if (jobIds.length === 0) return [];
    const rows = await this.builds
      .createQueryBuilder('b')
      .distinctOn(['b.job_id'])
      .where('b.account_id = :accountId AND b.job_id IN (:...jobIds)', { accountId: caller.accountId, jobIds })
      .orderBy('b.job_id')
      .addOrderBy('b.number', 'DESC')
      .getMany();
    return rows.filter((build) => caller.can(Actions.assembling.get, build.enterpriseProjectId)).map(toBuildDto);
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
    const projects: { projectId: string }[] = await this.builds
      .createQueryBuilder('b')
      .select('DISTINCT b.enterprise_project_id', 'projectId')
      .where('b.account_id = :accountId AND b.job_id = :jobId', { accountId: caller.accountId, jobId })
      .getRawMany();
    // A job's project never changes, so its builds share one; every one is checked all the same.
    for (const { projectId } of projects) {
      if (!caller.can(Actions.assembling.get, projectId)) throw ServiceError.notFound('package job');
      if (!caller.can(Actions.assembling.delete, projectId)) {
        throw ServiceError.forbidden(`${Actions.assembling.delete} is not allowed in this enterprise project`);
      }
    }
    const { unfinished, deleted } = await this.store.deleteJobBuilds(caller.accountId, jobId);
    if (unfinished > 0)
      throw ServiceError.conflict(`the job has ${unfinished} unfinished build(s): cancel them or wait for them to end`, 'id');
    return { deleted };
  }

  /** Another project's build answers exactly as a missing one. */
  private async visible(caller: Caller, id: string): Promise<BuildEntity> {
    const build = await this.builds.findOneBy({ id, accountId: caller.accountId });
    if (!build || !caller.can(Actions.assembling.get, build.enterpriseProjectId)) throw ServiceError.notFound('build');
    return build;
  }
}
