import type { EnterpriseProjectDto, PolicyAttachmentDto, PolicyDto, UserDto } from '@stagecraft/contracts';

import type { PolicyEntity } from '../policies/infra/policy.entity';
import type { ResolvedAttachment } from '../policies/infra/policy.repository';
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

export function toAttachmentDto(attachment: ResolvedAttachment): PolicyAttachmentDto {
  return {
    id: attachment.id,
    policy: toPolicyDto(attachment.policy),
    user: toUserDto(attachment.user),
    enterpriseProjects: attachment.enterpriseProjects?.map(toProjectDto) ?? null,
  };
}
