import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Actions, type Caller } from '@stagecraft/authz';
import { AccessKeyDto, CreateAccessKeyRequest, CreateUserRequest, ServiceError, UserDto } from '@stagecraft/contracts';
import { In, Repository } from 'typeorm';

import { PolicyAttachmentEntity } from '../policies/infra/policy-attachment.entity';
import { EnterpriseProjectEntity } from '../projects/infra/enterprise-project.entity';
import { toUserDto } from '../shared/mappers';
import { assertName, isUniqueViolation } from '../shared/naming.rules';
import { requireAdmin } from '../shared/require-admin';
import { generateAccessKey, hashSecret } from './domain/access-key';
import { AccessKeyEntity } from './infra/access-key.entity';
import { UserEntity } from './infra/user.entity';

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(AccessKeyEntity) private readonly accessKeys: Repository<AccessKeyEntity>,
    @InjectRepository(EnterpriseProjectEntity) private readonly projects: Repository<EnterpriseProjectEntity>,
    @InjectRepository(PolicyAttachmentEntity) private readonly attachments: Repository<PolicyAttachmentEntity>,
  ) {}

  async me(caller: Caller): Promise<UserDto> {
    const user = await this.users.findOneBy({ id: caller.userId });
    if (!user) throw ServiceError.unauthenticated('the token names a user that no longer exists');
    return toUserDto(user);
  }

  async createUser(caller: Caller, request: CreateUserRequest): Promise<UserDto> {
    requireAdmin(caller, Actions.users.create);
    const name = assertName('name', request.name);
    try {
      const user = await this.users.save(
        this.users.create({ accountId: caller.accountId, name, isAdmin: request.admin ?? false }),
      );
      return toUserDto(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw ServiceError.conflict(`a user named ${name} already exists`, 'name');
      throw error;
    }
  }

  /**
   * Users by id, for the gateway to show who created a job or ran a build (`createdBy`,
   * `triggeredBy`). An administrator sees every user of the account. Anyone else sees only
   * themself, the account's administrators, and the users attached to an enterprise project
   * in which the caller may read package jobs (servicestage:assembling:get): the people whose
   * names the caller's jobs and builds show. Other ids, and other accounts' users, are absent.
   */
  async getUsers(caller: Caller, ids: string[]): Promise<UserDto[]> {
    if (ids.length === 0) return [];
    const users = await this.users.findBy({ id: In(ids), accountId: caller.accountId });
    if (caller.isAdmin) return users.map(toUserDto);
    const others = users.filter((user) => user.id !== caller.userId && !user.isAdmin).map((user) => user.id);
    const members = await this.membersOfReadableProjects(caller, others);
    return users.filter((user) => user.id === caller.userId || user.isAdmin || members.has(user.id)).map(toUserDto);
  }

  /** Which of `userIds` hold an attachment covering a project where the caller may read package jobs. */
  private async membersOfReadableProjects(caller: Caller, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const projects = await this.projects.findBy({ accountId: caller.accountId });
    const readable = projects.filter((project) => caller.can(Actions.assembling.get, project.id)).map((project) => project.id);
    if (readable.length === 0) return new Set();
    const rows: { userId: string }[] = await this.attachments
      .createQueryBuilder('a')
      .select('DISTINCT a.user_id', 'userId')
      .where('a.account_id = :accountId AND a.user_id IN (:...userIds)', { accountId: caller.accountId, userIds })
      .andWhere('(a.enterprise_project_ids IS NULL OR a.enterprise_project_ids && CAST(:readable AS uuid[]))', { readable })
      .getRawMany();
    return new Set(rows.map((row) => row.userId));
  }

  async createAccessKey(caller: Caller, request: CreateAccessKeyRequest): Promise<AccessKeyDto> {
    requireAdmin(caller, Actions.accessKeys.create);
    const user = await this.users.findOneBy({ id: request.userId, accountId: caller.accountId });
    if (!user) throw ServiceError.notFound('user');
    return this.issueAccessKey(user.id);
  }

  /** Stores only the hash; the secret is returned to be shown once. */
  async issueAccessKey(userId: string): Promise<AccessKeyDto> {
    const key = generateAccessKey();
    await this.accessKeys.insert({ id: key.accessKey, userId, secretHash: await hashSecret(key.secretKey) });
    return key;
  }
}
