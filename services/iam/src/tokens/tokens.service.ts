import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, type VerificationKeySource } from '@stagecraft/authz';
import { AccessTokenDto, CreateAccessTokenRequest, ServiceError } from '@stagecraft/contracts';
import { type JSONWebKeySet, SignJWT } from 'jose';
import { Repository } from 'typeorm';

import { IamConfig } from '../config';
import { verifySecret } from '../users/domain/access-key';
import { AccessKeyEntity } from '../users/infra/access-key.entity';
import { UserEntity } from '../users/infra/user.entity';
import type { SigningKey } from './domain/signing-key';
import { SIGNING_KEY } from './signing-key.provider';

const INVALID_CREDENTIALS = 'invalid access key or secret key';

/** Access-key login, and the public keys every other process verifies tokens with. */
@Injectable()
export class TokensService implements VerificationKeySource {
  constructor(
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
    private readonly config: IamConfig,
    @InjectRepository(AccessKeyEntity) private readonly accessKeys: Repository<AccessKeyEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
  ) {}

  async createAccessToken(request: CreateAccessTokenRequest): Promise<AccessTokenDto> {
    const accessKey = await this.accessKeys.findOneBy({ id: request.accessKey });
    // The same answer whether the key or the secret is wrong: nothing to probe with.
    if (!accessKey || !(await verifySecret(request.secretKey, accessKey.secretHash))) {
      throw ServiceError.unauthenticated(INVALID_CREDENTIALS);
    }
    const user = await this.users.findOneBy({ id: accessKey.userId });
    if (!user) throw ServiceError.unauthenticated(INVALID_CREDENTIALS);
    await this.accessKeys.update({ id: accessKey.id }, { lastUsedAt: new Date() });
    const expiresAt = new Date(Date.now() + this.config.IAM_TOKEN_TTL_SECONDS * 1000);
    const token = await new SignJWT({ acc: user.accountId })
      .setProtectedHeader({ alg: this.key.algorithm, kid: this.key.publicJwk.kid })
      .setSubject(user.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key.privateKey);
    return { token, expiresAt: expiresAt.toISOString() };
  }

  /** The public key set every other process verifies tokens with (also answered over NATS). */
  async keys(): Promise<JSONWebKeySet> {
    return { keys: [this.key.publicJwk] };
  }

}
