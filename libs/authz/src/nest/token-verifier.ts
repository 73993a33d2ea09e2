import { ServiceError } from '@stagecraft/contracts';
import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, jwtVerify } from 'jose';

export const TOKEN_ISSUER = 'stagecraft-iam';
export const TOKEN_AUDIENCE = 'stagecraft';

export interface TokenClaims {
  userId: string;
  accountId: string;
  /** `akid`: the access key the token was issued for; it stops working when the key is disabled or deleted. */
  accessKeyId?: string;
  /** `ver`: the user's token version at issue; revokeTokens raises it, refusing every older token. */
  tokenVersion?: number;
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
  /**
   * Tokens already verified, until they expire: a signature check costs far more than a
   * request's other work, and a token's signature never changes. Oldest entries go first.
   */
  private readonly verified = new Map<string, { claims: TokenClaims; expiresAtMs: number }>();

  constructor(
    private readonly source: VerificationKeySource,
    private readonly maxCachedTokens = 10_000,
  ) {}

  async verify(token: string | undefined): Promise<TokenClaims> {
    if (!token) throw ServiceError.unauthenticated('a bearer token is required');
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAtMs > Date.now()) return known.claims;
      this.verified.delete(token);
      throw ServiceError.unauthenticated('the token has expired');
    }
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

  /** The claims of a token verified before and not yet expired, without waiting; otherwise undefined (call verify). */
  verifiedClaims(token: string | undefined): TokenClaims | undefined {
    const known = token === undefined ? undefined : this.verified.get(token);
    return known && known.expiresAtMs > Date.now() ? known.claims : undefined;
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
    if (typeof payload.sub !== 'string' || typeof payload.acc !== 'string' || typeof payload.exp !== 'number') {
      throw ServiceError.unauthenticated('the token does not name a user');
    }
    const claims: TokenClaims = { userId: payload.sub, accountId: payload.acc };
    if (typeof payload.akid === 'string') claims.accessKeyId = payload.akid;
    if (typeof payload.ver === 'number') claims.tokenVersion = payload.ver;
    if (this.verified.size >= this.maxCachedTokens) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { claims, expiresAtMs: payload.exp * 1000 });
    return claims;
  }
}

function toUnauthenticated(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof joseErrors.JWTExpired) return ServiceError.unauthenticated('the token has expired');
  return ServiceError.unauthenticated('the token is not valid');
}
