import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Actions, type Caller } from '@stagecraft/authz';
import {
  AccessKeyDto,
  CreateAccessKeyRequest,
  CreateUserRequest,
  IamError,
  IamErrorReason,
  UserDto,
  UserWithKeysDto,
} from '@stagecraft/contracts';
import { isUniqueViolation } from '@stagecraft/persistence';
import { DataSource, In, IsNull, Repository } from 'typeorm';

import { AuditService } from '../audit/audit.service';
import { AuthzEventsPublisher } from '../authorization/authz-events.publisher';
import { PolicyAttachmentEntity } from '../policies/infra/policy-attachment.entity';
import { EnterpriseProjectEntity } from '../projects/infra/enterprise-project.entity';
import { toUserDto } from '../shared/mappers';
import { assertName } from '../shared/naming.rules';
import { requireAdmin } from '../shared/require-admin';
import { RefreshTokenEntity } from '../tokens/infra/refresh-token.entity';
import { generateAccessKey, hashSecret } from './domain/access-key';
import { AccessKeyEntity } from './infra/access-key.entity';
import { UserEntity } from './infra/user.entity';

@Injectable()
export class UsersService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(AccessKeyEntity) private readonly accessKeys: Repository<AccessKeyEntity>,
    @InjectRepository(EnterpriseProjectEntity) private readonly projects: Repository<EnterpriseProjectEntity>,
    @InjectRepository(PolicyAttachmentEntity) private readonly attachments: Repository<PolicyAttachmentEntity>,
    @InjectRepository(RefreshTokenEntity) private readonly refreshTokens: Repository<RefreshTokenEntity>,
    private readonly events: AuthzEventsPublisher,
    private readonly audit: AuditService,
  ) {}

  async me(caller: Caller): Promise<UserDto> {
    const user = await this.users.findOneBy({ id: caller.userId, deletedAt: IsNull() });
    if (!user) throw new IamError(IamErrorReason.USER_GONE, 'the token names a user that no longer exists');
    return toUserDto(user);
  }

  async createUser(caller: Caller, request: CreateUserRequest): Promise<UserDto> {
    requireAdmin(caller, Actions.users.create);
    const name = assertName('name', request.name);
    try {
      const user = await this.users.save(
        this.users.create({ accountId: caller.accountId, name, isAdmin: request.admin ?? false }),
      );
      await this.audit.record(caller, { action: Actions.users.create, resourceType: 'user', resourceId: user.id });
      return toUserDto(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw new IamError(IamErrorReason.NAME_TAKEN, `a user named ${name} already exists`, 'name');
      throw error;
    }
  }

  /** Administrators: every user of the account that is not deleted, by name, with their access keys (never a secret). */
  async listUsers(caller: Caller): Promise<UserWithKeysDto[]> {
    requireAdmin(caller, Actions.users.get);
    const users = await this.users.find({ where: { accountId: caller.accountId, deletedAt: IsNull() }, order: { name: 'ASC' } });
    const keys = users.length
      ? await this.accessKeys.find({ where: { userId: In(users.map((user) => user.id)) }, order: { createdAt: 'ASC' } })
      : [];
    return users.map((user) => ({
      ...toUserDto(user),
      accessKeys: keys
        .filter((key) => key.userId === user.id)
        .map((key) => ({
          accessKey: key.id,
          createdAt: key.createdAt.toISOString(),
          lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
          enabled: key.disabledAt === null,
        })),
    }));
  }

  /**
   * Users by id, for the gateway to show who created a job or ran a build (`createdBy`,
   * `triggeredBy`). An administrator sees every user of the account. Anyone else sees only
   * themself, the account's administrators, the users attached to an enterprise project
   * in which the caller may read package jobs (servicestage:assembling:get): the people whose
   * names the caller's jobs and builds show, and deleted users (a name, nothing else: they made
   * jobs and builds the caller may still read). Other ids, and other accounts' users, are absent.
   */
  async getUsers(caller: Caller, ids: string[]): Promise<UserDto[]> {
    if (ids.length === 0) return [];
    const users = await this.users.findBy({ id: In(ids), accountId: caller.accountId });
    if (caller.isAdmin) return users.map(toUserDto);
    const others = users.filter((user) => user.id !== caller.userId && !user.isAdmin && !user.deletedAt).map((user) => user.id);
    const members = await this.membersOfReadableProjects(caller, others);
    return users
      .filter((user) => user.id === caller.userId || user.isAdmin || user.deletedAt || members.has(user.id))
      .map(toUserDto);
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
    const user = await this.users.findOneBy({ id: request.userId, accountId: caller.accountId, deletedAt: IsNull() });
    if (!user) throw new IamError(IamErrorReason.USER_NOT_FOUND, 'user not found');
    const key = await this.issueAccessKey(user.id);
    // Cached rules list the user's keys: a token of the new key must not wait for them to expire.
    this.events.rulesChanged(caller.accountId, [user.id]);
    await this.audit.record(caller, { action: Actions.accessKeys.create, resourceType: 'access-key', resourceId: key.accessKey });
    return key;
  }

  /**
   * Deletes the user's keys, refresh tokens and attachments, and its tokens stop working at once.
   * The user is kept as a name only (deleted_at), so the jobs and builds it made still show it.
   */
  async deleteUser(caller: Caller, id: string): Promise<{ id: string }> {
    requireAdmin(caller, Actions.users.delete);
    if (id === caller.userId) throw new IamError(IamErrorReason.SELF_DELETE, 'you cannot delete yourself', 'id');
    const deleted = await this.dataSource.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(UserEntity)
        .set({ deletedAt: () => 'now()', isAdmin: false, tokenVersion: () => 'token_version + 1' })
        .where('id = :id AND account_id = :accountId AND deleted_at IS NULL', { id, accountId: caller.accountId })
        .execute();
      if (!result.affected) return false;
      // Refresh tokens go with the keys (ON DELETE CASCADE).
      await manager.delete(AccessKeyEntity, { userId: id });
      await manager.delete(PolicyAttachmentEntity, { userId: id });
      return true;
    });
    if (!deleted) throw new IamError(IamErrorReason.USER_NOT_FOUND, 'user not found');
    this.events.rulesChanged(caller.accountId, [id]);
    await this.audit.record(caller, { action: Actions.users.delete, resourceType: 'user', resourceId: id });
    return { id };
  }

  /** A disabled key cannot log in or refresh, and every token issued for it is refused. */
  async setAccessKeyEnabled(
    caller: Caller,
    accessKey: string,
    enabled: boolean,
  ): Promise<{ accessKey: string; enabled: boolean }> {
    requireAdmin(caller, Actions.accessKeys.modify);
    const key = await this.accessKeyOfAccount(caller, accessKey);
    await this.accessKeys.update({ id: key.id }, { disabledAt: enabled ? null : new Date() });
    if (!enabled) await this.refreshTokens.delete({ accessKeyId: key.id });
    this.events.rulesChanged(caller.accountId, [key.userId]);
    await this.audit.record(caller, {
      action: enabled ? 'iam:accessKeys:enable' : 'iam:accessKeys:disable',
      resourceType: 'access-key',
      resourceId: key.id,
    });
    return { accessKey: key.id, enabled };
  }

  async deleteAccessKey(caller: Caller, accessKey: string): Promise<{ accessKey: string }> {
    requireAdmin(caller, Actions.accessKeys.delete);
    const key = await this.accessKeyOfAccount(caller, accessKey);
    // Its refresh tokens go with it (ON DELETE CASCADE).
    await this.accessKeys.delete({ id: key.id });
    this.events.rulesChanged(caller.accountId, [key.userId]);
    await this.audit.record(caller, { action: Actions.accessKeys.delete, resourceType: 'access-key', resourceId: key.id });
    return { accessKey: key.id };
  }

  /** Every access and refresh token the user holds now is refused from here on; new logins work. */
  async revokeTokens(caller: Caller, userId: string): Promise<{ userId: string; revokedAt: string }> {
    requireAdmin(caller, Actions.tokens.delete);
    const result = await this.users
      .createQueryBuilder()
      .update(UserEntity)
      .set({ tokenVersion: () => 'token_version + 1' })
      .where('id = :userId AND account_id = :accountId AND deleted_at IS NULL', { userId, accountId: caller.accountId })
      .execute();
    if (!result.affected) throw new IamError(IamErrorReason.USER_NOT_FOUND, 'user not found');
    await this.refreshTokens.delete({ userId });
    this.events.rulesChanged(caller.accountId, [userId]);
    await this.audit.record(caller, { action: 'iam:tokens:revoke', resourceType: 'user', resourceId: userId });
    return { userId, revokedAt: new Date().toISOString() };
  }

  /** Another account's key answers as a missing one. */
  private async accessKeyOfAccount(caller: Caller, accessKey: string): Promise<AccessKeyEntity> {
    const key = await this.accessKeys.findOneBy({ id: accessKey });
    const owner = key && (await this.users.findOneBy({ id: key.userId, accountId: caller.accountId, deletedAt: IsNull() }));
    if (!key || !owner) throw new IamError(IamErrorReason.ACCESS_KEY_NOT_FOUND, 'access key not found');
    return key;
  }

  /** Stores only the hash; the secret is returned to be shown once. */
  async issueAccessKey(userId: string): Promise<AccessKeyDto> {
    const key = generateAccessKey();
    await this.accessKeys.insert({ id: key.accessKey, userId, secretHash: await hashSecret(key.secretKey) });
    return key;
  }
}
