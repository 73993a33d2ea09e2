import { ServiceError } from '@stagecraft/contracts';
import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, jwtVerify } from 'jose';

export const TOKEN_ISSUER = 'stagecraft-iam';
export const TOKEN_AUDIENCE = 'stagecraft';

export interface TokenClaims {
  userId: string;
  accountId: string;
}

/** Where the public keys come from: iam over NATS for everyone but iam itself. */
export interface VerificationKeySource {
  keys(): Promise<JSONWebKeySet>;
}

/**
 * Verifies bearer tokens locally against iam's public keys. The key set is fetched once
 * and again only when a token names a key it does not hold (key rotation).
 */
export class TokenVerifier {
  private keySet?: Promise<ReturnType<typeof createLocalJWKSet>>;

  constructor(private readonly source: VerificationKeySource) {}

  async verify(token: string | undefined): Promise<TokenClaims> {
    if (!token) throw ServiceError.unauthenticated('a bearer token is required');
    try {
      return await this.verifyWith(await this.currentKeySet(), token);
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey) {
        this.keySet = undefined;
        return this.verifyWith(await this.currentKeySet(), token).catch((retryError) => {
          throw toUnauthenticated(retryError);
        });
      }
      throw toUnauthenticated(error);
    }
  }

  private currentKeySet() {
    this.keySet ??= this.source.keys().then(
      (keys) => createLocalJWKSet(keys),
      (error) => {
        this.keySet = undefined;
        throw error;
      },
    );
    return this.keySet;
  }

  private async verifyWith(keySet: ReturnType<typeof createLocalJWKSet>, token: string): Promise<TokenClaims> {
    const { payload } = await jwtVerify(token, keySet, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE });
    if (typeof payload.sub !== 'string' || typeof payload.acc !== 'string') {
      throw ServiceError.unauthenticated('the token does not name a user');
    }
    return { userId: payload.sub, accountId: payload.acc };
  }
}

function toUnauthenticated(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof joseErrors.JWTExpired) return ServiceError.unauthenticated('the token has expired');
  return ServiceError.unauthenticated('the token is not valid');
}
