import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actions } from '@stagecraft/authz';
import { IamSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { Meta } from '../auth/meta.decorator';
import { RequirePermission } from '../auth/permission.decorator';
import type { RequestContext } from '../auth/request-context';
import { PermissionDecision, Policy, PolicyAttachment, PolicyStatementInput } from './iam.types';

@Resolver(() => Policy)
export class PoliciesResolver {
  constructor(private readonly iam: NatsRpcClient) {}

  @RequirePermission(Actions.policies.list)
  @Query(() => [Policy], { description: 'Admins.' })
  policies(@Meta() meta: RequestContext) {
    return this.iam.send(IamSubjects.listPolicies, {}, meta);
  }

  @RequirePermission(Actions.attachments.list)
  @Query(() => [PolicyAttachment], { description: 'Admins.' })
  policyAttachments(@Args('userId', { type: () => ID, nullable: true }) userId: string | null, @Meta() meta: RequestContext) {
    return this.iam.send(IamSubjects.listAttachments, { userId }, meta);
  }

  @RequirePermission(Actions.permissions.explain)
  @Query(() => PermissionDecision, { description: 'Admins. Whether a user may do an action in a project, and why.' })
  explainPermission(
    @Args('userId', { type: () => ID }) userId: string,
    @Args('action') action: string,
    @Args('enterpriseProjectId', { type: () => ID }) enterpriseProjectId: string,
    @Meta() meta: RequestContext,
  ) {
    return this.iam.send(IamSubjects.explainPermission, { userId, action, enterpriseProjectId }, meta);
  }

  @RequirePermission(Actions.policies.create)
  @Mutation(() => Policy, { description: 'Admins.' })
  createPolicy(
    @Args('name') name: string,
    @Args('description', { type: () => String, nullable: true }) description: string | null,
    @Args('statements', { type: () => [PolicyStatementInput] }) statements: PolicyStatementInput[],
    @Meta() meta: RequestContext,
  ) {
    return this.iam.send(IamSubjects.createPolicy, { name, description, statements }, meta);
  }

  @RequirePermission(Actions.policies.modify)
  @Mutation(() => Policy, { description: 'Admins.' })
  updatePolicy(
    @Args('id', { type: () => ID }) id: string,
    @Args('statements', { type: () => [PolicyStatementInput] }) statements: PolicyStatementInput[],
    @Meta() meta: RequestContext,
  ) {
    return this.iam.send(IamSubjects.updatePolicy, { id, statements }, meta);
  }

  @RequirePermission(Actions.policies.delete)
  @Mutation(() => ID, { description: 'Admins. Detaches the policy from everyone.' })
  async deletePolicy(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return (await this.iam.send(IamSubjects.deletePolicy, { id }, meta)).id;
  }

  @RequirePermission(Actions.attachments.create)
  @Mutation(() => PolicyAttachment, { description: 'Admins. enterpriseProjectIds null: every project.' })
  attachPolicy(
    @Args('policyId', { type: () => ID }) policyId: string,
    @Args('userId', { type: () => ID }) userId: string,
    @Args('enterpriseProjectIds', { type: () => [ID], nullable: true }) enterpriseProjectIds: string[] | null,
    @Meta() meta: RequestContext,
  ) {
    return this.iam.send(IamSubjects.attachPolicy, { policyId, userId, enterpriseProjectIds }, meta);
  }

  @RequirePermission(Actions.attachments.delete)
  @Mutation(() => ID, { description: 'Admins.' })
  async detachPolicy(@Args('attachmentId', { type: () => ID }) attachmentId: string, @Meta() meta: RequestContext) {
    return (await this.iam.send(IamSubjects.detachPolicy, { id: attachmentId }, meta)).id;
  }
}
