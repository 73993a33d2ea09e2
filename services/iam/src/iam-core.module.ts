import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AccountEntity } from './accounts/infra/account.entity';
import { AuditService } from './audit/audit.service';
import { AuditRecordEntity } from './audit/infra/audit-record.entity';
import { AuthorizationService } from './authorization/authorization.service';
import { AuthzEventsPublisher } from './authorization/authz-events.publisher';
import { GrantsRepository } from './authorization/grants.repository';
import { PolicyEntity } from './policies/infra/policy.entity';
import { PolicyRepository } from './policies/infra/policy.repository';
import { PolicyAttachmentEntity } from './policies/infra/policy-attachment.entity';
import { PoliciesService } from './policies/policies.service';
import { EnterpriseProjectEntity } from './projects/infra/enterprise-project.entity';
import { ProjectsService } from './projects/projects.service';
import { ImageRepositoriesService } from './registry/image-repositories.service';
import { ImageRepositoryEntity } from './registry/infra/image-repository.entity';
import { RobotAccountEntity } from './registry/infra/robot-account.entity';
import { registryTokenKeyProvider } from './registry/registry-token-key.provider';
import { RegistryTokensService } from './registry/registry-tokens.service';
import { RobotAccountsService } from './registry/robot-accounts.service';
import { RefreshTokenEntity } from './tokens/infra/refresh-token.entity';
import { signingKeyProvider } from './tokens/signing-key.provider';
import { TokensService } from './tokens/tokens.service';
import { AccessKeyEntity } from './users/infra/access-key.entity';
import { UserEntity } from './users/infra/user.entity';
import { UsersService } from './users/users.service';

export const IAM_ENTITIES = [
  AccountEntity,
  UserEntity,
  AccessKeyEntity,
  EnterpriseProjectEntity,
  PolicyEntity,
  PolicyAttachmentEntity,
  RefreshTokenEntity,
  AuditRecordEntity,
  ImageRepositoryEntity,
  RobotAccountEntity,
];

/** iam's use cases and repositories; its own authz sources (key and rules) come from here. */
@Module({
  imports: [TypeOrmModule.forFeature(IAM_ENTITIES)],
  providers: [
    signingKeyProvider,
    TokensService,
    GrantsRepository,
    AuthorizationService,
    AuthzEventsPublisher,
    UsersService,
    ProjectsService,
    PolicyRepository,
    PoliciesService,
    AuditService,
    registryTokenKeyProvider,
    RegistryTokensService,
    ImageRepositoriesService,
    RobotAccountsService,
  ],
  exports: [
    TokensService,
    AuthorizationService,
    UsersService,
    ProjectsService,
    PoliciesService,
    AuditService,
    RegistryTokensService,
    ImageRepositoriesService,
    RobotAccountsService,
  ],
})
export class IamCoreModule {}
