// The distribution token spec (https://distribution.github.io/distribution/spec/auth/token/) from
// the issuer's side: the `access` claims a registry reads, the scopes clients ask for, and the
// JWT itself. docker-registry 2.8 trusts a token whose `x5c` header carries a certificate from its
// `rootcertbundle`, whose `iss` is its issuer and whose `aud` is its service.
import { createPrivateKey, type KeyObject, randomUUID, X509Certificate } from 'node:crypto';

import { SignJWT } from 'jose';

import type { RegistryTokenSource } from '../registry.auth';

/** The registry's `auth.token.service` and the tokens' `issuer` by default: iam, the registry and the launcher agree on them. */
export const DEFAULT_REGISTRY_SERVICE = 'stagecraft-registry';
export const DEFAULT_REGISTRY_TOKEN_ISSUER = 'stagecraft-iam';

/** What a token grants on one resource: `{ type: 'repository', name: 'team/app', actions: ['pull'] }`. */
export interface RegistryAccess {
  type: string;
  name: string;
  actions: string[];
}

/** The key a registry token is signed with and the certificate the registry trusts it by. */
export interface RegistryTokenKey {
  privateKey: KeyObject;
  algorithm: 'ES256' | 'RS256';
  /** DER of the certificate, as the `x5c` header carries it (base64). */
  certificate: Buffer;
}

export interface RegistryTokenClaims {
  issuer: string;
  /** The registry's `service`: the token's audience. */
  service: string;
  /** Who the token is for (a user id, a robot id, `build:<id>`, `anonymous`). */
  subject: string;
  access: RegistryAccess[];
  /** Lifetime in seconds from `now`. */
  ttlSeconds: number;
  now?: Date;
}

export class RegistryTokenKeyError extends Error {
  override readonly name = 'RegistryTokenKeyError';
}

/**
 * The signing key and its certificate, from PEM. The certificate must be the key's: a registry
 * holding it would refuse every token otherwise. Never echoes key material.
 */
export function loadRegistryTokenKey(privateKeyPem: string, certificatePem: string): RegistryTokenKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privateKeyPem);
  } catch {
    throw new RegistryTokenKeyError('the registry token key is not a PEM private key');
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    throw new RegistryTokenKeyError('the registry token certificate is not a PEM X.509 certificate');
  }
  if (!certificate.checkPrivateKey(privateKey))
    throw new RegistryTokenKeyError('the registry token certificate does not belong to the registry token key');
  const type = privateKey.asymmetricKeyType;
  const algorithm =
    type === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'ES256' : type === 'rsa' ? 'RS256' : null;
  if (!algorithm) throw new RegistryTokenKeyError('the registry token key must be an EC P-256 or an RSA key');
  return { privateKey, algorithm, certificate: certificate.raw };
}

/** A registry bearer token: the `access` claims, valid from now (less a minute of clock skew) for `ttlSeconds`. */
export async function signRegistryToken(key: RegistryTokenKey, claims: RegistryTokenClaims): Promise<string> {
  const now = Math.floor((claims.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ access: claims.access })
    .setProtectedHeader({ typ: 'JWT', alg: key.algorithm, x5c: [key.certificate.toString('base64')] })
    .setIssuer(claims.issuer)
    .setSubject(claims.subject)
    .setAudience(claims.service)
    .setIssuedAt(now)
    .setNotBefore(now - 60)
    .setExpirationTime(now + claims.ttlSeconds)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

/**
 * The scopes of a token request: `repository:team/app:pull,push` (each `scope` parameter may hold
 * several, space-separated). The name is what lies between the first and the last colon, so a
 * type with a class (`repository(plugin)`) and names are read as the spec writes them. Malformed
 * scopes are dropped: they grant nothing.
 */
export function parseRegistryScopes(scopes: readonly string[]): RegistryAccess[] {
  const parsed: RegistryAccess[] = [];
  for (const scope of scopes.flatMap((value) => value.split(' ')).filter(Boolean)) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first <= 0 || last <= first + 1) continue;
    const type = scope.slice(0, first).replace(/\(.*\)$/, '');
    const actions = scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean);
    if (actions.length) parsed.push({ type, name: scope.slice(first + 1, last), actions });
  }
  return parsed;
}

/**
 * Tokens granting every scope asked for, signed with the issuer's own key: for the one process that
 * holds the key and acts as the platform (the launcher pushing the base images). Never for a client.
 */
export function platformTokenSource(
  key: RegistryTokenKey,
  claims: Pick<RegistryTokenClaims, 'issuer' | 'service' | 'subject'>,
): RegistryTokenSource {
  return (scopes) => signRegistryToken(key, { ...claims, access: parseRegistryScopes(scopes), ttlSeconds: 300 });
}
