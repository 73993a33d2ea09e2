import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ACTION_CATALOG, Actions } from '@stagecraft/authz';
import { IamSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { Meta } from '../auth/meta.decorator';
import { Public, RequirePermission, SignedIn } from '../auth/permission.decorator';
import type { RequestContext } from '../auth/request-context';
import { pageComplexity, toConnection } from '../graphql/connection';
import { DateTimeScalar, JsonScalar } from '../graphql/scalars';
import { AccountUser, AuditRecordConnection, IamActionDefinition, Session, User } from './iam.types';

@Resolver(() => User)
export class IdentityResolver {
  constructor(private readonly iam: NatsRpcClient) {}

  @SignedIn()
  @Query(() => User, { description: 'The signed-in user.' })
  me(@Meta() meta: RequestContext) {
    return this.iam.send(IamSubjects.me, {}, meta);
  }

  @RequirePermission(Actions.users.get)
  @Query(() => [AccountUser], { description: 'Admins. Every user of the account, by name, with its access keys.' })
  users(@Meta() meta: RequestContext) {
    return this.iam.send(IamSubjects.listUsers, {}, meta);
  }

  @SignedIn()
  @Query(() => [IamActionDefinition], { description: 'The actions policies may name (docs/permissions.md).' })
  actionCatalog(): IamActionDefinition[] {
    return ACTION_CATALOG.map(({ name, description, adminOnly }) => ({ name, description, adminOnly }));
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

  @Public()
  @Mutation(() => Session, {
    description: 'Exchanges an access key for a short-lived access token and a refresh token (see refreshAccessToken).',
  })
  createSession(@Args('accessKey') accessKey: string, @Args('secretKey') secretKey: string, @Meta() meta: RequestContext) {
    return this.iam.send(IamSubjects.createSession, { accessKey, secretKey }, { correlationId: meta.correlationId });
  }

  @Public()
  @Mutation(() => Session, {
    description: 'Uses a refresh token once: returns a new access token and a new refresh token; the old one stops working.',
  })
  refreshAccessToken(@Args('refreshToken') refreshToken: string, @Meta() meta: RequestContext) {
    return this.iam.send(IamSubjects.refreshSession, { refreshToken }, { correlationId: meta.correlationId });
  }

  @RequirePermission(Actions.users.delete)
  @Mutation(() => ID, { description: 'Admins. Deletes the user, its access keys and attachments; its tokens stop working.' })
  async deleteUser(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return (await this.iam.send(IamSubjects.deleteUser, { id }, meta)).id;
  }

  @RequirePermission(Actions.accessKeys.modify)
  @Mutation(() => Boolean, {
    description: 'Admins. The key can no longer log in or refresh, and tokens issued for it are refused. Returns false.',
  })
  async disableAccessKey(@Args('accessKey') accessKey: string, @Meta() meta: RequestContext) {
    return (await this.iam.send(IamSubjects.disableAccessKey, { accessKey }, meta)).enabled;
  }

  @RequirePermission(Actions.accessKeys.modify)
  @Mutation(() => Boolean, {
    description: 'Admins. The key may log in again (earlier tokens stay refused if revoked). Returns true.',
  })
  async enableAccessKey(@Args('accessKey') accessKey: string, @Meta() meta: RequestContext) {
    return (await this.iam.send(IamSubjects.enableAccessKey, { accessKey }, meta)).enabled;
  }

  @RequirePermission(Actions.accessKeys.delete)
  @Mutation(() => String, { description: 'Admins. Deletes the key; tokens issued for it stop working. Returns the key.' })
  async deleteAccessKey(@Args('accessKey') accessKey: string, @Meta() meta: RequestContext) {
    return (await this.iam.send(IamSubjects.deleteAccessKey, { accessKey }, meta)).accessKey;
  }

  @RequirePermission(Actions.tokens.delete)
  @Mutation(() => DateTimeScalar, {
    description:
      "Admins. Every access and refresh token the user holds now is refused from now on. Returns the revocation's time.",
  })
  async revokeTokens(@Args('userId', { type: () => ID }) userId: string, @Meta() meta: RequestContext) {
    return (await this.iam.send(IamSubjects.revokeTokens, { userId }, meta)).revokedAt;
  }

  @RequirePermission(Actions.auditRecords.list)
  @Query(() => AuditRecordConnection, { description: 'Admins. Who did what, newest first.', complexity: pageComplexity })
  async auditRecords(
    @Args('first', { type: () => Int, defaultValue: 20 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('actorId', { type: () => ID, nullable: true }) actorId: string | null,
    @Args('action', { type: () => String, nullable: true }) action: string | null,
    @Meta() meta: RequestContext,
  ) {
    return toConnection(await this.iam.send(IamSubjects.listAuditRecords, { first, after, actorId, action }, meta));
  }
}
