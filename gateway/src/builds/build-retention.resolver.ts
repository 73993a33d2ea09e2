import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Actions } from '@stagecraft/authz';
import { BuildsSubjects, type PackageJobDto } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { Meta } from '../auth/meta.decorator';
import { RequirePermission } from '../auth/permission.decorator';
import type { RequestContext } from '../auth/request-context';
import { ServiceCall } from '../graphql/service-call.decorator';
import { PackageJob } from '../jobs/jobs.types';
import { BuildRetention, BuildRetentionInput } from './build-retention.types';

/** How much build history a job and a project keep: read with `assembling:get`, set with `assembling:modify`. */
@Resolver(() => PackageJob)
export class BuildRetentionResolver {
  constructor(private readonly client: NatsRpcClient) {}

  @ServiceCall<PackageJobDto>({ reads: ['id'] })
  @ResolveField(() => BuildRetention, {
    description: "The build history policy this job follows: its own, else its project's, else the platform's.",
  })
  buildRetention(@Parent() job: PackageJobDto, @Meta() meta: RequestContext) {
    return this.client.send(BuildsSubjects.jobBuildRetention, { jobId: job.id }, meta);
  }

  @RequirePermission(Actions.assembling.get)
  @Query(() => BuildRetention, {
    description: "The build history policy of a project's jobs that have none of their own: the project's, else the platform's.",
  })
  projectBuildRetention(
    @Args('enterpriseProjectId', { type: () => ID }) enterpriseProjectId: string,
    @Meta() meta: RequestContext,
  ) {
    return this.client.send(BuildsSubjects.projectBuildRetention, { enterpriseProjectId }, meta);
  }

  @RequirePermission(Actions.assembling.modify)
  @Mutation(() => BuildRetention, {
    description:
      "Sets a job's own build history policy; without `retention` the job follows its project's again. Answers the policy that now holds.",
  })
  setJobBuildRetention(
    @Args('jobId', { type: () => ID }) jobId: string,
    @Args('retention', { type: () => BuildRetentionInput, nullable: true }) retention: BuildRetentionInput | null,
    @Meta() meta: RequestContext,
  ) {
    return this.client.send(BuildsSubjects.setJobBuildRetention, { jobId, retention }, meta);
  }

  @RequirePermission(Actions.assembling.modify)
  @Mutation(() => BuildRetention, {
    description:
      "Sets a project's default build history policy; without `retention` its jobs follow the platform's again. Answers the policy that now holds.",
  })
  setProjectBuildRetention(
    @Args('enterpriseProjectId', { type: () => ID }) enterpriseProjectId: string,
    @Args('retention', { type: () => BuildRetentionInput, nullable: true }) retention: BuildRetentionInput | null,
    @Meta() meta: RequestContext,
  ) {
    return this.client.send(BuildsSubjects.setProjectBuildRetention, { enterpriseProjectId, retention }, meta);
  }
}
