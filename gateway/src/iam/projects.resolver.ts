import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ACTION_CATALOG, Actions, CallerResolver } from '@stagecraft/authz';
import { IamSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { Meta } from '../auth/meta.decorator';
import { RequirePermission, SignedIn } from '../auth/permission.decorator';
import type { RequestContext } from '../auth/request-context';
import { ServiceCall } from '../graphql/service-call.decorator';
import { EnterpriseProject } from './iam.types';

@Resolver(() => EnterpriseProject)
export class ProjectsResolver {
  constructor(
    private readonly iam: NatsRpcClient,
    private readonly callers: CallerResolver,
  ) {}

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

  /** From the caller's cached ability, in the gateway: frontends disable what is not listed. */
  @SignedIn()
  // The rules come from iam on a cache miss: counted like any other field that asks a service.
  @ServiceCall()
  @ResolveField(() => [String], {
    description:
      'The catalog actions the caller may perform in this project, e.g. servicestage:assembling:create (docs/permissions.md). A frontend disables the others; services still decide each call.',
  })
  async allowedActions(@Parent() project: EnterpriseProject, @Meta() meta: RequestContext): Promise<string[]> {
    const caller = await this.callers.resolve(meta);
    return ACTION_CATALOG.filter((action) => caller.can(action.name, project.id)).map((action) => action.name);
  }
}
