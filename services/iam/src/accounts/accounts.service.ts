import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { IamConfig } from '../config';
import { EnterpriseProjectEntity } from '../projects/infra/enterprise-project.entity';
import { DEFAULT_PROJECT_NAME } from '../projects/projects.service';
import { UserEntity } from '../users/infra/user.entity';
import { UsersService } from '../users/users.service';
import { AccountEntity } from './infra/account.entity';

// Any fixed number: serialises concurrent first starts of several iam replicas.
const BOOTSTRAP_LOCK = 0x5c_1a_0001;

/**
 * Accounts are created with their `default` enterprise project and a first administrator.
 * On a fresh installation (IAM_BOOTSTRAP_CREDENTIALS_FILE set, no account yet) iam creates
 * one and writes the administrator's access key to that file, readable by its owner only.
 */
@Injectable()
export class AccountsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('AccountsService');

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly config: IamConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const file = this.config.IAM_BOOTSTRAP_CREDENTIALS_FILE;
    if (!file) return;
    const created = await this.createFirstAccount();
    if (!created) return;
    const key = await this.users.issueAccessKey(created.adminId);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ userId: created.adminId, ...key }, null, 2) + '\n', { mode: 0o600 });
    this.logger.log(`created the first account and its administrator; access key written to ${file}`);
  }

  /** Creates account, default project and admin in one transaction; null when an account exists. */
  async createFirstAccount(): Promise<{ accountId: string; adminId: string } | null> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      if ((await manager.count(AccountEntity)) > 0) return null;
      const account = await manager.save(manager.create(AccountEntity, { name: 'default' }));
      await manager.save(
        manager.create(EnterpriseProjectEntity, {
          accountId: account.id,
          name: DEFAULT_PROJECT_NAME,
          description: 'Created with the account',
        }),
      );
      const admin = await manager.save(manager.create(UserEntity, { accountId: account.id, name: 'admin', isAdmin: true }));
      return { accountId: account.id, adminId: admin.id };
    });
  }
}
