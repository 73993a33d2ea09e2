import { Args, Float, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Actions } from '@stagecraft/authz';
import { type BuildDto, BuildsSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { Meta } from '../auth/meta.decorator';
import { Public, RequirePermission } from '../auth/permission.decorator';
import type { RequestContext } from '../auth/request-context';
import { pageComplexity } from '../graphql/connection';
import { RequestLoaders } from '../graphql/context.decorator';
import type { Loaders } from '../graphql/loaders';
import { LocalField, ServiceCall } from '../graphql/service-call.decorator';
import { User } from '../iam/iam.types';
import { PackageJob } from '../jobs/jobs.types';
import { pullCommandOf } from '../registry/pull-command';
import { BuildAttestation } from './build-attestation.types';
import { BaseImageImpact, Build, BuildConnection, BuildLogChunk, toBuildConnection } from './builds.types';

@Resolver(() => Build)
export class BuildsResolver {
  constructor(private readonly client: NatsRpcClient) {}

  @RequirePermission(Actions.assembling.get)
  @Query(() => Build, { nullable: true })
  build(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return this.client.send(BuildsSubjects.getBuild, { id }, meta);
  }

  @RequirePermission(Actions.assembling.list)
  @Query(() => BuildConnection, { complexity: pageComplexity })
  async builds(
    @Args('jobId', { type: () => ID }) jobId: string,
    @Args('first', { type: () => Int, defaultValue: 20 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Meta() meta: RequestContext,
  ) {
    return toBuildConnection(await this.client.send(BuildsSubjects.listBuilds, { jobId, first, after }, meta));
  }

  @RequirePermission(Actions.assembling.list)
  @Query(() => [BaseImageImpact], {
    description:
      'Dry run: the jobs whose latest succeeded build used this base reference (as Build.baseImage names it), in the projects where you may list and read builds, and what a new digest of it would start.',
  })
  async baseImageChangeImpact(
    @Args('baseImage') baseImage: string,
    @Meta() meta: RequestContext,
    @RequestLoaders() loaders: Loaders,
  ): Promise<BaseImageImpact[]> {
    const jobs = await this.client.send(BuildsSubjects.baseImageImpact, { baseImage }, meta);
    return Promise.all(
      jobs.map(async (job) => {
        // The job's own opt-in, read as the caller (a job they may not read counts as not opted in).
        const current = await loaders.jobs.load(job.jobId).catch(() => null);
        const autoRebase = current?.autoRebase ?? false;
        return {
          jobId: job.jobId,
          jobName: job.jobName,
          buildId: job.buildId,
          recordedDigest: job.recordedDigest,
          action: !autoRebase ? 'NONE' : job.buildType === 'CUSTOM_DOCKERFILE' ? 'REBUILD' : 'REBASE',
        } as const;
      }),
    );
  }

  @RequirePermission(Actions.assembling.get)
  @Query(() => BuildLogChunk, { description: 'The build log from a byte offset; nextOffset reads on.' })
  buildLog(
    @Args('buildId', { type: () => ID }) buildId: string,
    @Args('offset', { type: () => Float, defaultValue: 0 }) offset: number,
    @Args('limit', { type: () => Int, defaultValue: 65536 }) limit: number,
    @Meta() meta: RequestContext,
  ) {
    return this.client.send(BuildsSubjects.buildLog, { buildId, offset, limit }, meta);
  }

  @RequirePermission(Actions.assembling.create)
  @Mutation(() => Build, { description: "Runs the job now, as it is: the build keeps a snapshot of the job's spec." })
  startBuild(@Args('jobId', { type: () => ID }) jobId: string, @Meta() meta: RequestContext) {
    return this.client.send(BuildsSubjects.startBuild, { jobId }, meta);
  }

  @RequirePermission(Actions.assembling.modify)
  @Mutation(() => Build, { description: 'A queued build ends CANCELLED at once; a running one goes CANCELLING, then CANCELLED.' })
  cancelBuild(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return this.client.send(BuildsSubjects.cancelBuild, { id }, meta);
  }

  @Public()
  @Query(() => String, {
    nullable: true,
    description:
      'PEM public key that build attestations are signed with (`cosign verify-attestation --key`); null when builds are not attested.',
  })
  async attestationPublicKey(@Meta() meta: RequestContext) {
    return (await this.client.send(BuildsSubjects.attestationKey, {}, meta)).publicKey;
  }

  @ServiceCall()
  @ResolveField(() => BuildAttestation, {
    nullable: true,
    description: 'Its signed SBOM and provenance; null unless it SUCCEEDED and was attested.',
  })
  async attestation(@Parent() build: BuildDto, @Meta() meta: RequestContext) {
    if (build.status !== 'SUCCEEDED') return null;
    return (await this.client.send(BuildsSubjects.getBuildAttestation, { id: build.id }, meta)).attestation;
  }

  @ServiceCall()
  @ResolveField(() => PackageJob)
  job(@Parent() build: BuildDto, @RequestLoaders() loaders: Loaders) {
    return loaders.jobs.load(build.jobId);
  }

  @ServiceCall()
  @ResolveField(() => User)
  triggeredBy(@Parent() build: BuildDto, @RequestLoaders() loaders: Loaders) {
    return loaders.users.load(build.triggeredBy);
  }

  @LocalField()
  @ResolveField(() => Float, {
    nullable: true,
    description: 'From its start (or, for one that never ran, its creation) to its end, in seconds; null until it ends.',
  })
  durationSeconds(@Parent() build: BuildDto): number | null {
    if (!build.finishedAt) return null;
    return (Date.parse(build.finishedAt) - Date.parse(build.startedAt ?? build.createdAt)) / 1000;
  }

  @LocalField()
  @ResolveField(() => String, {
    nullable: true,
    description: 'How to pull the image this build pushed, by digest; null until it succeeded.',
  })
  pullCommand(@Parent() build: BuildDto): string | null {
    return build.image ? pullCommandOf(build.image) : null;
  }
}
