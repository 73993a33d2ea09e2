import { Injectable } from '@nestjs/common';
import { accessibleWhere, Actions, type Caller, EnterpriseProjectScope } from '@stagecraft/authz';
import {
  ClusterErrorReason,
  CreatedPackageJobDto,
  JobUsageDto,
  JobUsageRequest,
  ListPackageJobsRequest,
  PackageErrorReason,
  PackageJobDto,
  PackageJobError,
  PackageJobErrorReason,
  PackageJobInput,
  PackageJobPageDto,
  PackageJobPatch,
  ServiceError,
  type TechStack,
} from '@stagecraft/contracts';
import { maskDockerfile } from '@stagecraft/dockerfile';

import { BaseImageCatalog } from './domain/base-image-catalog';
import { JobBuilds } from './domain/job-builds';
import { JobReferences, unknownCluster, unknownPackage } from './domain/job-references';
import { checkNodeLabels } from './domain/node-labels';
import { checkArchiveImage, checkAutoRebase, checkBuildSpec, checkDescription, checkName } from './domain/package-job.rules';
import { PackageJobs } from './domain/package-jobs';
import type { PackageJobEntity } from './infra/package-job.entity';

/** Package jobs: every rule of the console form, checked before anything is stored. */
@Injectable()
export class PackageJobsService {
  constructor(
    private readonly jobs: PackageJobs,
    private readonly references: JobReferences,
    private readonly scope: EnterpriseProjectScope,
    private readonly catalog: BaseImageCatalog,
    private readonly builds: JobBuilds,
  ) {}

  /** Save stores the job; Build also starts its first build, in the same request. */
  async create(caller: Caller, input: PackageJobInput, build: boolean): Promise<CreatedPackageJobDto> {
    const saved = await this.save(caller, input);
    if (!build) {
      await this.undoUnlessReferencesStillThere(caller, saved);
      return { job: toDto(saved), build: null };
    }
    try {
      // The job as written goes with the request (its Dockerfile unmasked, into builds' database only).
      // Builds asks artifacts and clusters for the package and cluster after the job was stored:
      // those answers are the re-check a Save makes (docs/package-jobs.md#races).
      const started = await this.builds.start(caller, toDto(saved, { dockerfile: 'as-written' }));
      return { job: toDto(saved), build: started };
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      if (referenceGone(error)) {
        await this.jobs.delete(saved.id);
        return error.reason === ClusterErrorReason.CLUSTER_NOT_FOUND ? unknownCluster(error) : unknownPackage(error);
      }
      // The build was refused for another reason; whether the references still stand is asked as a Save would.
      await this.undoUnlessReferencesStillThere(caller, saved);
      throw error.restated(`the job was saved, but its build did not start: ${error.message}`);
    }
  }

  private async save(caller: Caller, input: PackageJobInput): Promise<PackageJobEntity> {
    checkName(input.name);
    const description = checkDescription(input.description);
    checkArchiveImage(input.archiveImage);
    const autoRebase = checkAutoRebase(input.autoRebase);
    const nodeLabels = checkNodeLabels(input.nodeLabels);
    const enterpriseProjectId = await this.scope.forCreate(caller, input.enterpriseProjectId, Actions.assembling.create);
    const pkg = await this.references.readyPackage(caller, input.packageId, enterpriseProjectId);
    const spec = checkBuildSpec({ type: input.buildType, ...input }, pkg.techStack as TechStack, this.catalog);
    await this.references.buildableCluster(caller, input.clusterId, enterpriseProjectId, nodeLabels);
    const saved = await this.jobs.insert({
      accountId: caller.accountId,
      enterpriseProjectId,
      name: input.name,
      description,
      packageId: pkg.id,
      techStack: pkg.techStack as TechStack,
      buildType: spec.type,
      baseImage: spec.baseImage,
      baseImageTag: spec.baseImageTag,
      dockerfile: spec.dockerfile,
      imageClass: input.imageClass,
      archiveImage: input.archiveImage,
      clusterId: input.clusterId,
      nodeLabels,
      warnings: spec.warnings,
      autoRebase,
      createdBy: caller.userId,
      version: 1,
    });
    if (saved === 'name-taken')
      throw new PackageJobError(
        PackageJobErrorReason.NAME_TAKEN,
        `a package job named ${input.name} already exists in this enterprise project`,
        'name',
      );
    return saved;
  }

  /** A package or cluster whose deletion began while the job was stored: the job is undone. */
  private async undoUnlessReferencesStillThere(caller: Caller, job: PackageJobEntity): Promise<void> {
    try {
      await this.references.stillThere(caller, job.packageId, job.clusterId, job.enterpriseProjectId);
    } catch (error) {
      await this.jobs.delete(job.id);
      throw error;
    }
  }

  /** Applies a patch, re-checking what it touches; a stale `expectedVersion` is a CONFLICT. */
  async update(caller: Caller, id: string, patch: PackageJobPatch, expectedVersion?: number | null): Promise<PackageJobDto> {
    const job = await this.visible(caller, id);
    requireRight(caller, Actions.assembling.modify, job);
    if (expectedVersion && expectedVersion !== job.version) throw staleVersion(job.version);
    const next = { ...job };
    if (patch.description !== undefined) next.description = checkDescription(patch.description);
    if (patch.archiveImage) {
      checkArchiveImage(patch.archiveImage);
      next.archiveImage = patch.archiveImage;
    }
    if (patch.imageClass) next.imageClass = patch.imageClass;
    if (patch.autoRebase !== undefined && patch.autoRebase !== null) next.autoRebase = checkAutoRebase(patch.autoRebase);
    if (patch.nodeLabels !== undefined) next.nodeLabels = checkNodeLabels(patch.nodeLabels);
    if (patch.packageId) {
      const pkg = await this.references.readyPackage(caller, patch.packageId, job.enterpriseProjectId);
      next.packageId = pkg.id;
      next.techStack = pkg.techStack as TechStack;
    }
    const specTouched = ['packageId', 'buildType', 'baseImage', 'baseImageTag', 'dockerfile'].some(
      (key) => patch[key as keyof PackageJobPatch] !== undefined,
    );
    if (specTouched) {
      const type = patch.buildType ?? job.buildType;
      const keepsType = type === job.buildType;
      const spec = checkBuildSpec(
        {
          type,
          baseImage: patch.baseImage !== undefined ? patch.baseImage : keepsType ? job.baseImage : null,
          baseImageTag: patch.baseImageTag !== undefined ? patch.baseImageTag : keepsType ? job.baseImageTag : null,
          dockerfile: patch.dockerfile !== undefined ? patch.dockerfile : keepsType ? job.dockerfile : null,
        },
        next.techStack,
        this.catalog,
      );
      Object.assign(next, {
        buildType: spec.type,
        baseImage: spec.baseImage,
        baseImageTag: spec.baseImageTag,
        dockerfile: spec.dockerfile,
        warnings: spec.warnings,
      });
    }
    if (patch.clusterId || patch.nodeLabels !== undefined) {
      next.clusterId = patch.clusterId ?? job.clusterId;
      await this.references.buildableCluster(caller, next.clusterId, job.enterpriseProjectId, next.nodeLabels);
    }
    const { id: _id, createdAt: _createdAt, updatedAt: _updatedAt, version: _version, ...changes } = next;
    if (!(await this.jobs.updateAtVersion(id, job.version, changes))) throw staleVersion(job.version + 1);
    if (next.packageId !== job.packageId || next.clusterId !== job.clusterId) {
      try {
        await this.references.stillThere(caller, next.packageId, next.clusterId, job.enterpriseProjectId);
      } catch (error) {
        // Undone unless another writer changed it meanwhile (whose own check then decides).
        const { id: _i, createdAt: _c, updatedAt: _u, version: _v, ...previous } = job;
        await this.jobs.updateAtVersion(id, job.version + 1, previous);
        throw error;
      }
    }
    return toDto(await this.visible(caller, id));
  }

  async delete(caller: Caller, id: string): Promise<{ id: string }> {
    const job = await this.visible(caller, id);
    requireRight(caller, Actions.assembling.delete, job);
    // Refused while a build is unfinished; otherwise the job's builds and logs go first.
    await this.builds.deleteAll(caller, id);
    await this.jobs.delete(id);
    return { id };
  }

  async get(caller: Caller, id: string): Promise<PackageJobDto> {
    return toDto(await this.visible(caller, id));
  }

  /** For the builds service starting a build of it: the one answer with the Dockerfile as written. */
  async getForBuild(caller: Caller, id: string): Promise<PackageJobDto> {
    return toDto(await this.visible(caller, id), { dockerfile: 'as-written' });
  }

  /**
   * For the builds service's base-image watcher, which has no user: the job of the account named,
   * masked as jobs.get answers it (the watcher reads only its build type and autoRebase).
   */
  async getForAutoRebase(accountId: string, id: string): Promise<PackageJobDto> {
    const job = await this.jobs.findInAccount(id, accountId);
    if (!job) throw new PackageJobError(PackageJobErrorReason.JOB_NOT_FOUND, 'package job not found');
    return toDto(job);
  }

  async list(caller: Caller, request: ListPackageJobsRequest): Promise<PackageJobPageDto> {
    const where = accessibleWhere(caller.ability, 'list', 'assembling', { enterpriseProjectId: 'j.enterprise_project_id' });
    if (!where) return { edges: [], hasNextPage: false, endCursor: null, totalCount: request.withTotalCount ? 0 : null };
    const page = await this.jobs.page({ accountId: caller.accountId, where }, request);
    return {
      edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: listedJob(edge.node, request.fields) })),
      hasNextPage: page.hasNextPage,
      endCursor: page.endCursor,
      totalCount: page.totalCount,
    };
  }

  baseImages(stack: TechStack): string[] {
    return this.catalog.imagesFor(stack);
  }

  /**
   * How many jobs of the package's or cluster's project use it: deleting one in use is refused.
   * Asked by artifacts or clusters (service-only) for a user deleting it, who must hold that
   * delete right in the project; a job only ever uses a package or cluster of its own project.
   */
  async usage(caller: Caller, request: JobUsageRequest): Promise<JobUsageDto> {
    if (!request.packageId === !request.clusterId)
      throw new PackageJobError(PackageJobErrorReason.INVALID_FIELD, 'name either packageId or clusterId', 'packageId');
    const action = request.packageId ? Actions.package.delete : Actions.cluster.delete;
    if (!caller.can(action, request.enterpriseProjectId)) throw actionDenied(action);
    const uses = request.packageId ? { packageId: request.packageId } : { clusterId: request.clusterId! };
    return { jobCount: await this.jobs.countUsing(caller.accountId, request.enterpriseProjectId, uses) };
  }

  /** Another project's job answers exactly as a missing one. */
  private async visible(caller: Caller, id: string): Promise<PackageJobEntity> {
    const job = await this.jobs.findInAccount(id, caller.accountId);
    if (!job || !caller.can(Actions.assembling.get, job.enterpriseProjectId))
      throw new PackageJobError(PackageJobErrorReason.JOB_NOT_FOUND, 'package job not found');
    return job;
  }
}

function requireRight(caller: Caller, action: string, job: PackageJobEntity): void {
  if (!caller.can(action, job.enterpriseProjectId)) throw actionDenied(action);
}

function actionDenied(action: string): ServiceError {
  return new PackageJobError(PackageJobErrorReason.ACTION_DENIED, `${action} is not allowed in this enterprise project`);
}

function staleVersion(current: number): ServiceError {
  return new PackageJobError(
    PackageJobErrorReason.VERSION_CONFLICT,
    `the job was changed meanwhile (it is at version ${current}); read it again`,
    'expectedVersion',
  );
}

/** What builds answers when the job's package or cluster went away after the job was stored. */
function referenceGone(error: ServiceError): boolean {
  return (
    error.reason === PackageErrorReason.PACKAGE_NOT_FOUND ||
    error.reason === PackageErrorReason.PACKAGE_NOT_READY ||
    error.reason === ClusterErrorReason.CLUSTER_NOT_FOUND
  );
}

/**
 * The job as answered. A Dockerfile is shown with the values the secret scan flags masked, to
 * everyone: only the build that runs it reads it as written (`as-written`).
 */
export function toDto(
  job: PackageJobEntity,
  options: { dockerfile: 'masked' | 'as-written' } = { dockerfile: 'masked' },
): PackageJobDto {
  const dockerfile = job.dockerfile && options.dockerfile === 'masked' ? maskDockerfile(job.dockerfile) : job.dockerfile;
  return {
    id: job.id,
    accountId: job.accountId,
    enterpriseProjectId: job.enterpriseProjectId,
    name: job.name,
    description: job.description,
    packageId: job.packageId,
    techStack: job.techStack,
    buildSpec: { type: job.buildType, baseImage: job.baseImage, baseImageTag: job.baseImageTag, dockerfile },
    imageClass: job.imageClass,
    archiveImage: job.archiveImage,
    clusterId: job.clusterId,
    nodeLabels: job.nodeLabels,
    warnings: job.warnings,
    autoRebase: job.autoRebase,
    createdBy: job.createdBy,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    version: job.version,
  };
}

/**
 * A job as jobs.list sends it: its DTO with only the keys asked for, else the whole DTO. What is
 * left out is not encoded, sent nor parsed.
 */
export function listedJob(
  job: PackageJobEntity,
  keys: readonly (keyof PackageJobDto)[] | null | undefined,
): Partial<PackageJobDto> {
  const dto = toDto(job);
  if (!keys) return dto;
  const picked: Partial<Record<keyof PackageJobDto, unknown>> = {};
  for (const key of keys) picked[key] = dto[key];
  return picked as Partial<PackageJobDto>;
}
