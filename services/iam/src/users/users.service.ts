import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Actions, type Caller } from '@stagecraft/authz';
import { AccessKeyDto, CreateAccessKeyRequest, CreateUserRequest, ServiceError, UserDto } from '@stagecraft/contracts';
import { In, Repository } from 'typeorm';

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

  /** Users of the caller's account by id; ids of other accounts are simply absent. */
  async getUsers(caller: Caller, ids: string[]): Promise<UserDto[]> {
    if (ids.length === 0) return [];
    const users = await this.users.findBy({ id: In(ids), accountId: caller.accountId });
    return users.map(toUserDto);
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
