import { Args, ID, Info, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Actions } from '@stagecraft/authz';
import { BuildsSubjects, JobsSubjects, PACKAGE_JOB_DTO_KEYS, type PackageJobDto } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';
import type { GraphQLResolveInfo } from 'graphql';

import { SoftwarePackage, TechStack } from '../artifacts/artifacts.types';
import { Meta } from '../auth/meta.decorator';
import { RequirePermission, SignedIn } from '../auth/permission.decorator';
import type { RequestContext } from '../auth/request-context';
import { Build, BuildConnection, toBuildConnection } from '../builds/builds.types';
import { Cluster } from '../clusters/clusters.types';
import { pageComplexity } from '../graphql/connection';
import { RequestLoaders } from '../graphql/context.decorator';
import type { Loaders } from '../graphql/loaders';
import { selectedDtoKeys } from '../graphql/selected-dto-keys';
import { LocalField, ServiceCall } from '../graphql/service-call.decorator';
import { EnterpriseProject, User } from '../iam/iam.types';
import { pullCommandOf } from '../registry/pull-command';
import {
  CreatePackageJobPayload,
  PackageJob,
  PackageJobConnection,
  PackageJobFilter,
  PackageJobInput,
  PackageJobPatch,
} from './jobs.types';

const JOB_KEYS: ReadonlySet<keyof PackageJobDto> = new Set(PACKAGE_JOB_DTO_KEYS);

@Resolver(() => PackageJob)
export class PackageJobsResolver {
  constructor(private readonly client: NatsRpcClient) {}

  @RequirePermission(Actions.assembling.get)
  @Query(() => PackageJob, { nullable: true })
  packageJob(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return this.client.send(JobsSubjects.getJob, { id }, meta);
  }

  @RequirePermission(Actions.assembling.list)
  @Query(() => PackageJobConnection, { complexity: pageComplexity })
  async packageJobs(
    @Args('first', { type: () => Int, defaultValue: 20 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('filter', { type: () => PackageJobFilter, nullable: true }) filter: PackageJobFilter | null,
    @Info() info: GraphQLResolveInfo,
    @Meta() meta: RequestContext,
  ) {
    const withTotalCount = info.fieldNodes.some((node) =>
      node.selectionSet?.selections.some((selection) => selection.kind === 'Field' && selection.name.value === 'totalCount'),
    );
    const page = await this.client.send(
      JobsSubjects.listJobs,
      {
        first,
        after,
        enterpriseProjectId: filter?.enterpriseProjectId,
        nameContains: filter?.nameContains,
        clusterId: filter?.clusterId,
        withTotalCount,
        fields: selectedDtoKeys(info, ['edges', 'node'], JOB_KEYS),
      },
      meta,
    );
    return {
      edges: page.edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      totalCount: page.totalCount,
    };
  }

  @SignedIn()
  @Query(() => [String], { description: 'The SYSTEM_DEFAULT catalog of a tech stack, as repository:tag.' })
  baseImages(@Args('techStack', { type: () => TechStack }) techStack: TechStack, @Meta() meta: RequestContext) {
    return this.client.send(JobsSubjects.baseImages, { techStack }, meta);
  }

  @RequirePermission(Actions.assembling.create)
  @Mutation(() => CreatePackageJobPayload, {
    description: 'Save (build: false) stores the job after checking every rule; Build also starts a build.',
  })
  createPackageJob(
    @Args('input', { type: () => PackageJobInput }) input: PackageJobInput,
    @Args('build', { type: () => Boolean, defaultValue: false }) build: boolean,
    @Meta() meta: RequestContext,
  ) {
    return this.client.send(JobsSubjects.createJob, { input, build }, meta);
  }

  @RequirePermission(Actions.assembling.modify)
  @Mutation(() => PackageJob)
  updatePackageJob(
    @Args('id', { type: () => ID }) id: string,
    @Args('patch', { type: () => PackageJobPatch }) patch: PackageJobPatch,
    @Args('expectedVersion', { type: () => Int, nullable: true }) expectedVersion: number | null,
    @Meta() meta: RequestContext,
  ) {
    return this.client.send(JobsSubjects.updateJob, { id, patch, expectedVersion }, meta);
  }

  @RequirePermission(Actions.assembling.delete)
  @Mutation(() => ID)
  async deletePackageJob(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return (await this.client.send(JobsSubjects.deleteJob, { id }, meta)).id;
  }

  @ServiceCall<PackageJobDto>({ reads: ['enterpriseProjectId'] })
  @ResolveField(() => EnterpriseProject)
  enterpriseProject(@Parent() job: PackageJobDto, @RequestLoaders() loaders: Loaders) {
    return loaders.projects.load(job.enterpriseProjectId);
  }

  @ServiceCall<PackageJobDto>({ reads: ['packageId'] })
  @ResolveField(() => SoftwarePackage)
  package(@Parent() job: PackageJobDto, @RequestLoaders() loaders: Loaders) {
    return loaders.packages.load(job.packageId);
  }

  @ServiceCall<PackageJobDto>({ reads: ['clusterId'] })
  @ResolveField(() => Cluster)
  cluster(@Parent() job: PackageJobDto, @RequestLoaders() loaders: Loaders) {
    return loaders.clusters.load(job.clusterId);
  }

  @ServiceCall<PackageJobDto>({ reads: ['id'] })
  @ResolveField(() => Build, { nullable: true })
  lastBuild(@Parent() job: PackageJobDto, @RequestLoaders() loaders: Loaders) {
    return loaders.lastBuilds.load(job.id);
  }

  // Named apart from Query.builds, so every method name stands for one schema field.
  @ServiceCall<PackageJobDto>({ reads: ['id'] })
  @ResolveField('builds', () => BuildConnection, { complexity: pageComplexity })
  async jobBuilds(
    @Parent() job: PackageJobDto,
    @Args('first', { type: () => Int, defaultValue: 20 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Meta() meta: RequestContext,
  ) {
    return toBuildConnection(await this.client.send(BuildsSubjects.listBuilds, { jobId: job.id, first, after }, meta));
  }

  @ServiceCall<PackageJobDto>({ reads: ['createdBy'] })
  @ResolveField(() => User)
  createdBy(@Parent() job: PackageJobDto, @RequestLoaders() loaders: Loaders) {
    return loaders.users.load(job.createdBy);
  }

  @LocalField<PackageJobDto>({ reads: ['archiveImage'] })
  @ResolveField(() => String, {
    description:
      'How to pull the image its builds push. A PRIVATE one needs `docker login <registry>` first, with an access key or a robot account of the project (docs/registry.md).',
  })
  pullCommand(@Parent() job: PackageJobDto): string {
    return pullCommandOf(job.archiveImage);
  }
}
