import type { EnterpriseProjectDto, PolicyDto, UserDto } from '@stagecraft/contracts';

import type { PolicyEntity } from '../policies/infra/policy.entity';
import type { EnterpriseProjectEntity } from '../projects/infra/enterprise-project.entity';
import type { UserEntity } from '../users/infra/user.entity';

export function toUserDto(user: UserEntity): UserDto {
  return {
    id: user.id,
    accountId: user.accountId,
    name: user.name,
    isAdmin: user.isAdmin,
    createdAt: user.createdAt.toISOString(),
  };
}

export function toProjectDto(project: EnterpriseProjectEntity): EnterpriseProjectDto {
  return { id: project.id, name: project.name, description: project.description, createdAt: project.createdAt.toISOString() };
}

export function toPolicyDto(policy: PolicyEntity): PolicyDto {
  return {
    id: policy.id,
    name: policy.name,
    description: policy.description,
    statements: policy.statements.map((s) => ({ effect: s.effect, actions: [...s.actions] })),
    createdAt: policy.createdAt.toISOString(),
  };
}
