import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actions } from '@stagecraft/authz';
import { IamSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { Meta } from '../auth/meta.decorator';
import { RequirePermission, SignedIn } from '../auth/permission.decorator';
import type { RequestContext } from '../auth/request-context';
import { EnterpriseProject } from './iam.types';

@Resolver(() => EnterpriseProject)
export class ProjectsResolver {
  constructor(private readonly iam: NatsRpcClient) {}

  @SignedIn()
  @Query(() => [EnterpriseProject], { description: 'The projects the caller holds rights in (admins: all).' })
  enterpriseProjects(@Meta() meta: RequestContext) {
    return this.iam.send(IamSubjects.listEnterpriseProjects, {}, meta);
  }

  @RequirePermission(Actions.projects.create)
  @Mutation(() => EnterpriseProject, { description: 'Admins.' })
  createEnterpriseProject(
    @Args('name') name: string,
    @Args('description', { type: () => String, nullable: true }) description: string | null,
    @Meta() meta: RequestContext,
  ) {
    return this.iam.send(IamSubjects.createEnterpriseProject, { name, description }, meta);
  }
}
