import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actions } from '@stagecraft/authz';
import { IamSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { Meta } from '../auth/meta.decorator';
import { Public, RequirePermission, SignedIn } from '../auth/permission.decorator';
import type { RequestContext } from '../auth/request-context';
import { JsonScalar } from '../graphql/scalars';
import { User } from './iam.types';

@Resolver(() => User)
export class IdentityResolver {
  constructor(private readonly iam: NatsRpcClient) {}

  @SignedIn()
  @Query(() => User, { description: 'The signed-in user.' })
  me(@Meta() meta: RequestContext) {
    return this.iam.send(IamSubjects.me, {}, meta);
  }

  @Public()
  @Mutation(() => String, { description: 'Exchanges an access key for a bearer token.' })
  async createAccessToken(
    @Args('accessKey') accessKey: string,
    @Args('secretKey') secretKey: string,
    @Meta() meta: RequestContext,
  ): Promise<string> {
    return (await this.iam.send(IamSubjects.createAccessToken, { accessKey, secretKey }, { correlationId: meta.correlationId }))
      .token;
  }

  @RequirePermission(Actions.users.create)
  @Mutation(() => User, { description: 'Admins. Create its keys with createAccessKey.' })
  createUser(
    @Args('name') name: string,
    @Args('admin', { type: () => Boolean, defaultValue: false }) admin: boolean,
    @Meta() meta: RequestContext,
  ) {
    return this.iam.send(IamSubjects.createUser, { name, admin }, meta);
  }

  @RequirePermission(Actions.accessKeys.create)
  @Mutation(() => JsonScalar, { description: 'Admins. Returns { accessKey, secretKey }; the secret is shown only this once.' })
  createAccessKey(@Args('userId', { type: () => ID }) userId: string, @Meta() meta: RequestContext) {
    return this.iam.send(IamSubjects.createAccessKey, { userId }, meta);
  }
}
