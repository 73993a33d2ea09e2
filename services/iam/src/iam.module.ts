import { DynamicModule, Module } from '@nestjs/common';
import { CALLER_RULES_SOURCE, VERIFICATION_KEY_SOURCE } from '@stagecraft/authz';
import { serviceModule } from '@stagecraft/service';

import { AccountsService } from './accounts/accounts.service';
import { AuditNatsController } from './audit/audit.nats-controller';
import { AuditEventsListener } from './audit/audit-events.listener';
import { AuthorizationNatsController } from './authorization/authorization.nats-controller';
import { AuthorizationService } from './authorization/authorization.service';
import { IamConfig } from './config';
import { IAM_ENTITIES, IamCoreModule } from './iam-core.module';
import { iamMigrations } from './migrations';
import { PoliciesNatsController } from './policies/policies.nats-controller';
import { ProjectsNatsController } from './projects/projects.nats-controller';
import { RegistryNatsController } from './registry/registry.nats-controller';
import { TokensNatsController } from './tokens/tokens.nats-controller';
import { TokensService } from './tokens/tokens.service';
import { UsersNatsController } from './users/users.nats-controller';

@Module({})
export class IamModule {
  static forConfig(config: IamConfig): DynamicModule {
    return serviceModule({
      module: IamModule,
      name: 'iam',
      configClass: IamConfig,
      config,
      entities: IAM_ENTITIES,
      migrations: iamMigrations,
      imports: [IamCoreModule],
      // iam verifies tokens with its own key and builds callers from its own database.
      authz: {
        imports: [IamCoreModule],
        keySource: { provide: VERIFICATION_KEY_SOURCE, useExisting: TokensService },
        rulesSource: { provide: CALLER_RULES_SOURCE, useExisting: AuthorizationService },
      },
      controllers: [
        TokensNatsController,
        UsersNatsController,
        ProjectsNatsController,
        PoliciesNatsController,
        AuthorizationNatsController,
        AuditNatsController,
        RegistryNatsController,
      ],
      providers: [AccountsService, AuditEventsListener],
    });
  }
}
