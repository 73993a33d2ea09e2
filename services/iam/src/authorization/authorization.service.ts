import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  Actions,
  type Caller,
  type CallerRulesSource,
  compilePolicies,
  explainPermission,
  type TokenClaims,
} from '@stagecraft/authz';
import { CallerRulesDto, ExplainPermissionRequest, IamError, IamErrorReason, PermissionDecisionDto } from '@stagecraft/contracts';
import { IsNull, Repository } from 'typeorm';

import { PolicyEntity } from '../policies/infra/policy.entity';
import { EnterpriseProjectEntity } from '../projects/infra/enterprise-project.entity';
import { toPolicyDto } from '../shared/mappers';
import { requireAdmin } from '../shared/require-admin';
import { AccessKeyEntity } from '../users/infra/access-key.entity';
import { UserEntity } from '../users/infra/user.entity';
import { GrantsRepository } from './grants.repository';

/** Compiles a user's policies into CASL rules, and explains single decisions. */
@Injectable()
export class AuthorizationService implements CallerRulesSource {
  constructor(
    private readonly grants: GrantsRepository,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(EnterpriseProjectEntity) private readonly projects: Repository<EnterpriseProjectEntity>,
    @InjectRepository(PolicyEntity) private readonly policies: Repository<PolicyEntity>,
    @InjectRepository(AccessKeyEntity) private readonly accessKeys: Repository<AccessKeyEntity>,
  ) {}

  async rulesFor(claims: TokenClaims): Promise<CallerRulesDto> {
    const user = await this.users.findOneBy({ id: claims.userId, accountId: claims.accountId, deletedAt: IsNull() });
    if (!user) throw new IamError(IamErrorReason.USER_GONE, 'the token names a user that no longer exists');
    const rules = compilePolicies(await this.grants.grantsFor(user.id), user.isAdmin);
    const keys = await this.accessKeys.find({ select: { id: true }, where: { userId: user.id, disabledAt: IsNull() } });
    return {
      userId: user.id,
      accountId: user.accountId,
      isAdmin: user.isAdmin,
      rules,
      tokenVersion: user.tokenVersion,
      accessKeyIds: keys.map((key) => key.id),
    };
  }

  async explain(caller: Caller, request: ExplainPermissionRequest): Promise<PermissionDecisionDto> {
    requireAdmin(caller, Actions.permissions.explain);
    const user = await this.users.findOneBy({ id: request.userId, accountId: caller.accountId, deletedAt: IsNull() });
    if (!user) throw new IamError(IamErrorReason.USER_NOT_FOUND, 'user not found');
    const project = await this.projects.findOneBy({ id: request.enterpriseProjectId, accountId: caller.accountId });
    if (!project) throw new IamError(IamErrorReason.PROJECT_NOT_FOUND, 'enterprise project not found');
    let decision: ReturnType<typeof explainPermission>;
    try {
      decision = explainPermission(await this.grants.grantsFor(user.id), user.isAdmin, request.action, project.id);
    } catch (error) {
      throw new IamError(
        IamErrorReason.INVALID_FIELD,
        error instanceof Error ? error.message : 'action is not in the catalog',
        'action',
      );
    }
    const policy = decision.matchedPolicy ? await this.policies.findOneBy({ id: decision.matchedPolicy.id }) : null;
    return { allowed: decision.allowed, reason: decision.reason, matchedPolicy: policy ? toPolicyDto(policy) : null };
  }
}
