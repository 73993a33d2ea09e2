import { createHash, randomBytes } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, type VerificationKeySource } from '@stagecraft/authz';
import {
  AccessTokenDto,
  CreateAccessTokenRequest,
  IamError,
  IamErrorReason,
  RefreshSessionRequest,
  SessionDto,
} from '@stagecraft/contracts';
import { type JSONWebKeySet, SignJWT } from 'jose';
import { DataSource, IsNull, Repository } from 'typeorm';

import { IamConfig } from '../config';
import { verifySecret } from '../users/domain/access-key';
import { AccessKeyEntity } from '../users/infra/access-key.entity';
import { UserEntity } from '../users/infra/user.entity';
import type { SigningKey } from './domain/signing-key';
import { RefreshTokenEntity } from './infra/refresh-token.entity';
import { SIGNING_KEY } from './signing-key.provider';

const INVALID_CREDENTIALS = 'invalid access key or secret key';
const INVALID_REFRESH_TOKEN = 'the refresh token is not valid (expired, revoked or already used)';
const REFRESH_TOKEN_PREFIX = 'scrt_';

/** Access-key login, refresh-token rotation, and the public keys every other process verifies tokens with. */
@Injectable()
export class TokensService implements VerificationKeySource {
  constructor(
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
    private readonly config: IamConfig,
    private readonly dataSource: DataSource,
    @InjectRepository(AccessKeyEntity) private readonly accessKeys: Repository<AccessKeyEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
  ) {}

  async createAccessToken(request: CreateAccessTokenRequest): Promise<AccessTokenDto> {
    const { user, accessKey } = await this.authenticate(request);
    return this.signAccessToken(user, accessKey.id);
  }

  /** Login answering a short access token and a refresh token (IAM_REFRESH_TOKEN_TTL_SECONDS from now). */
  async createSession(request: CreateAccessTokenRequest): Promise<SessionDto> {
    const { user, accessKey } = await this.authenticate(request);
    const refreshExpiresAt = new Date(Date.now() + this.config.IAM_REFRESH_TOKEN_TTL_SECONDS * 1000);
    const refreshToken = await this.issueRefreshToken(this.dataSource.getRepository(RefreshTokenEntity), {
      user,
      accessKeyId: accessKey.id,
      expiresAt: refreshExpiresAt,
    });
    const access = await this.signAccessToken(user, accessKey.id);
    return {
      accessToken: access.token,
      refreshToken,
      expiresAt: access.expiresAt,
      refreshExpiresAt: refreshExpiresAt.toISOString(),
    };
  }

  /**
   * Uses a refresh token once: it is deleted and a new one (same login lifetime) is returned with
   * a new access token. Refused when used before, expired, revoked (revokeTokens, a deleted user)
   * or when its access key is disabled or deleted.
   */
  async refreshSession(request: RefreshSessionRequest): Promise<SessionDto> {
    const hash = hashRefreshToken(request.refreshToken);
    const issued = await this.dataSource.transaction(async (manager) => {
      // Deleting first makes a token single-use even when two refreshes race.
      const deleted: RefreshTokenEntity[] = await manager
        .createQueryBuilder()
        .delete()
        .from(RefreshTokenEntity)
        .where('token_hash = :hash', { hash })
        .returning(['id', 'userId', 'accessKeyId', 'tokenVersion', 'expiresAt'])
        .execute()
        .then((result) => (result.raw as Record<string, unknown>[]).map(fromRawRefreshToken));
      const [used] = deleted;
      if (!used || used.expiresAt.getTime() <= Date.now()) return null;
      const user = await manager.findOneBy(UserEntity, { id: used.userId, deletedAt: IsNull() });
      const accessKey = await manager.findOneBy(AccessKeyEntity, { id: used.accessKeyId, userId: used.userId });
      if (!user || !accessKey || accessKey.disabledAt || user.tokenVersion !== used.tokenVersion) return null;
      await manager.update(AccessKeyEntity, { id: accessKey.id }, { lastUsedAt: new Date() });
      const refreshToken = await this.issueRefreshToken(manager.getRepository(RefreshTokenEntity), {
        user,
        accessKeyId: accessKey.id,
        expiresAt: used.expiresAt,
      });
      return { user, accessKeyId: accessKey.id, refreshToken, refreshExpiresAt: used.expiresAt };
    });
    if (!issued) throw new IamError(IamErrorReason.INVALID_CREDENTIALS, INVALID_REFRESH_TOKEN);
    const access = await this.signAccessToken(issued.user, issued.accessKeyId);
    return {
      accessToken: access.token,
      refreshToken: issued.refreshToken,
      expiresAt: access.expiresAt,
      refreshExpiresAt: issued.refreshExpiresAt.toISOString(),
    };
  }

  /** The public key set every other process verifies tokens with (also answered over NATS). */
  async keys(): Promise<JSONWebKeySet> {
    return { keys: [this.key.publicJwk] };
  }

  /**
   * The user behind an access key and its secret (an enabled key, a user not deleted), with the
   * key's last use recorded: login here, and the registry's token endpoint (RegistryTokensService).
   */
  async authenticate(request: CreateAccessTokenRequest): Promise<{ user: UserEntity; accessKey: AccessKeyEntity }> {
    const accessKey = await this.accessKeys.findOneBy({ id: request.accessKey });
    // The same answer whether the key or the secret is wrong, or the key disabled: nothing to probe with.
    if (!accessKey || !(await verifySecret(request.secretKey, accessKey.secretHash)) || accessKey.disabledAt) {
      throw new IamError(IamErrorReason.INVALID_CREDENTIALS, INVALID_CREDENTIALS);
    }
    const user = await this.users.findOneBy({ id: accessKey.userId, deletedAt: IsNull() });
    if (!user) throw new IamError(IamErrorReason.INVALID_CREDENTIALS, INVALID_CREDENTIALS);
    await this.accessKeys.update({ id: accessKey.id }, { lastUsedAt: new Date() });
    return { user, accessKey };
  }

  /** `akid` and `ver` let every process refuse the token once its key is disabled or the user's tokens revoked. */
  private async signAccessToken(user: UserEntity, accessKeyId: string): Promise<AccessTokenDto> {
    const expiresAt = new Date(Date.now() + this.config.IAM_TOKEN_TTL_SECONDS * 1000);
    const token = await new SignJWT({ acc: user.accountId, akid: accessKeyId, ver: user.tokenVersion })
      .setProtectedHeader({ alg: this.key.algorithm, kid: this.key.publicJwk.kid })
      .setSubject(user.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key.privateKey);
    return { token, expiresAt: expiresAt.toISOString() };
  }

  /** Stores only the token's hash: a leaked table refreshes nothing. */
  private async issueRefreshToken(
    repository: Repository<RefreshTokenEntity>,
    grant: { user: UserEntity; accessKeyId: string; expiresAt: Date },
  ): Promise<string> {
    const token = REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    await repository.insert({
      tokenHash: hashRefreshToken(token),
      userId: grant.user.id,
      accessKeyId: grant.accessKeyId,
      tokenVersion: grant.user.tokenVersion,
      expiresAt: grant.expiresAt,
    });
    return token;
  }
}

/** 256 random bits need no slow hash: SHA-256 is enough to make the stored value useless. */
function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function fromRawRefreshToken(row: Record<string, unknown>): RefreshTokenEntity {
  return Object.assign(new RefreshTokenEntity(), {
    id: row.id,
    userId: row.user_id,
    accessKeyId: row.access_key_id,
    tokenVersion: Number(row.token_version),
    expiresAt: new Date(row.expires_at as string | Date),
  });
}
