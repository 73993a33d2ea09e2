import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actions } from '@stagecraft/authz';
import { IamSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { Meta } from '../auth/meta.decorator';
import { RequirePermission } from '../auth/permission.decorator';
import type { RequestContext } from '../auth/request-context';
import { ImageClass } from '../jobs/jobs.types';
import { CreatedRobotAccount, ImageRepository, RobotAccount } from './registry.types';

/** The embedded registry's repositories and robot accounts (docs/registry.md); tokens are the REST /registry/token. */
@Resolver(() => ImageRepository)
export class RegistryResolver {
  constructor(private readonly iam: NatsRpcClient) {}

  @RequirePermission(Actions.image.list)
  @Query(() => [ImageRepository], { description: 'Repositories of the projects where the caller may list images.' })
  imageRepositories(
    @Args('enterpriseProjectId', { type: () => ID, nullable: true }) enterpriseProjectId: string | null,
    @Meta() meta: RequestContext,
  ) {
    return this.iam.send(IamSubjects.listImageRepositories, { ...(enterpriseProjectId && { enterpriseProjectId }) }, meta);
  }

  @RequirePermission(Actions.image.modify)
  @Mutation(() => ImageRepository, {
    description: "Sets a repository's class now; a job's own image class applies again from its next build.",
  })
  setImageRepositoryClass(
    @Args('name') name: string,
    @Args('imageClass', { type: () => ImageClass }) imageClass: ImageClass,
    @Meta() meta: RequestContext,
  ) {
    return this.iam.send(IamSubjects.setImageRepositoryClass, { name, imageClass }, meta);
  }

  @RequirePermission(Actions.image.list)
  @Query(() => [RobotAccount])
  robotAccounts(@Args('enterpriseProjectId', { type: () => ID }) enterpriseProjectId: string, @Meta() meta: RequestContext) {
    return this.iam.send(IamSubjects.listRobotAccounts, { enterpriseProjectId }, meta);
  }

  @RequirePermission(Actions.image.modify)
  @Mutation(() => CreatedRobotAccount, { description: "A pull-only login for the project's images; the secret is shown once." })
  createRobotAccount(
    @Args('enterpriseProjectId', { type: () => ID }) enterpriseProjectId: string,
    @Args('name') name: string,
    @Meta() meta: RequestContext,
  ) {
    return this.iam.send(IamSubjects.createRobotAccount, { enterpriseProjectId, name }, meta);
  }

  @RequirePermission(Actions.image.modify)
  @Mutation(() => ID)
  async deleteRobotAccount(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return (await this.iam.send(IamSubjects.deleteRobotAccount, { id }, meta)).id;
  }
}
