import { Args, Float, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Actions } from '@stagecraft/authz';
import { ArtifactsSubjects, type SoftwarePackageDto } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { Meta } from '../auth/meta.decorator';
import { AdminOnly, RequirePermission } from '../auth/permission.decorator';
import type { RequestContext } from '../auth/request-context';
import { pageComplexity, toConnection } from '../graphql/connection';
import { RequestLoaders } from '../graphql/context.decorator';
import type { Loaders } from '../graphql/loaders';
import { ServiceCall } from '../graphql/service-call.decorator';
import { EnterpriseProject } from '../iam/iam.types';
import {
  ObsCredentials,
  PackageSource,
  PackageUpload,
  SoftwarePackage,
  SoftwarePackageConnection,
  TechStack,
} from './artifacts.types';

/** Completing may read the whole package (up to 2 GiB at 130–190 MiB/s, where the store verifies no checksums): far beyond the default timeout. */
const READ_PACKAGE_TIMEOUT_MS = 10 * 60_000;

@Resolver(() => SoftwarePackage)
export class PackagesResolver {
  constructor(private readonly client: NatsRpcClient) {}

  @RequirePermission(Actions.package.get)
  @Query(() => SoftwarePackage, { nullable: true })
  softwarePackage(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return this.client.send(ArtifactsSubjects.getPackage, { id }, meta);
  }

  @RequirePermission(Actions.package.list)
  @Query(() => SoftwarePackageConnection, { complexity: pageComplexity })
  async softwarePackages(
    @Args('first', { type: () => Int, defaultValue: 20 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('techStack', { type: () => TechStack, nullable: true }) techStack: TechStack | null,
    @Args('enterpriseProjectId', { type: () => ID, nullable: true }) enterpriseProjectId: string | null,
    @Meta() meta: RequestContext,
  ) {
    return toConnection(
      await this.client.send(ArtifactsSubjects.listPackages, { first, after, techStack, enterpriseProjectId }, meta),
    );
  }

  @RequirePermission(Actions.package.create)
  @Mutation(() => PackageUpload, { description: 'Stores the package as PENDING_UPLOAD and returns a presigned PUT URL.' })
  createPackageUpload(
    @Args('name') name: string,
    @Args('version') version: string,
    @Args('source', { type: () => PackageSource }) source: PackageSource,
    @Args('enterpriseProjectId', { type: () => ID, nullable: true }) enterpriseProjectId: string | null,
    @Args('techStack', { type: () => TechStack, nullable: true }) techStack: TechStack | null,
    @Args('bucket', { type: () => String, nullable: true }) bucket: string | null,
    @Args('sizeBytes', {
      type: () => Float,
      nullable: true,
      description: 'When given, the URL is signed for exactly this many bytes.',
    })
    sizeBytes: number | null,
    @Args('sha256', {
      type: () => String,
      nullable: true,
      description:
        'Hex SHA-256 of the bytes to upload. It is signed into the URL: a store that verifies checksums refuses other bytes, and completing then reads only what detection needs instead of every byte.',
    })
    sha256: string | null,
    @Meta() meta: RequestContext,
  ) {
    return this.client.send(
      ArtifactsSubjects.createPackageUpload,
      { name, version, source, enterpriseProjectId, techStack, bucket, sizeBytes, sha256 },
      meta,
    );
  }

  @RequirePermission(Actions.package.create)
  @Mutation(() => SoftwarePackage, {
    description:
      "Verifies the uploaded bytes: READY, or REJECTED with a reason. The sha256 is the store's where it verified the declared one, else Stagecraft reads every byte once.",
  })
  completePackageUpload(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return this.client.send(ArtifactsSubjects.completePackageUpload, { id }, meta, { timeoutMs: READ_PACKAGE_TIMEOUT_MS });
  }

  @RequirePermission(Actions.package.create)
  @Mutation(() => SoftwarePackage, {
    description: "Registers an object in one of the account's OBS buckets, after the same checks.",
  })
  registerObsPackage(
    @Args('name') name: string,
    @Args('version') version: string,
    @Args('bucket') bucket: string,
    @Args('objectKey') objectKey: string,
    @Args('enterpriseProjectId', { type: () => ID, nullable: true }) enterpriseProjectId: string | null,
    @Args('techStack', { type: () => TechStack, nullable: true }) techStack: TechStack | null,
    @Meta() meta: RequestContext,
  ) {
    return this.client.send(
      ArtifactsSubjects.registerObsPackage,
      { name, version, bucket, objectKey, enterpriseProjectId, techStack },
      meta,
      { timeoutMs: READ_PACKAGE_TIMEOUT_MS },
    );
  }

  @RequirePermission(Actions.package.delete)
  @Mutation(() => ID, { description: 'Deletes the package and the object Stagecraft stored for it.' })
  async deleteSoftwarePackage(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return (await this.client.send(ArtifactsSubjects.deletePackage, { id }, meta)).id;
  }

  @AdminOnly()
  @Mutation(() => ObsCredentials, { description: "Admins. The credentials for the account's OBS buckets." })
  configureObsCredentials(
    @Args('endpoint') endpoint: string,
    @Args('region') region: string,
    @Args('accessKeyId') accessKeyId: string,
    @Args('secretAccessKey') secretAccessKey: string,
    @Meta() meta: RequestContext,
  ) {
    return this.client.send(ArtifactsSubjects.configureObsCredentials, { endpoint, region, accessKeyId, secretAccessKey }, meta);
  }

  @ServiceCall()
  @ResolveField(() => EnterpriseProject)
  async enterpriseProject(@Parent() pkg: SoftwarePackageDto, @RequestLoaders() loaders: Loaders) {
    return loaders.projects.load(pkg.enterpriseProjectId);
  }
}
