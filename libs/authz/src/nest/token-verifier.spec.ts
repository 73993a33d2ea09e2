import { generateKeyPairSync } from 'node:crypto';

import { ErrorCode } from '@stagecraft/contracts';
import { calculateJwkThumbprint, exportJWK, type JWK, SignJWT } from 'jose';

import { TOKEN_AUDIENCE, TOKEN_ISSUER, TokenVerifier } from './token-verifier';

async function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk: JWK = await exportJWK(publicKey);
  jwk.kid = await calculateJwkThumbprint(jwk);
  jwk.alg = 'EdDSA';
  return { privateKey, jwk };
}

async function sign(
  key: Awaited<ReturnType<typeof keyPair>>,
  expiresInSeconds: number,
  claims: Record<string, unknown> = { acc: 'acct' },
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', kid: key.jwk.kid })
    .setSubject('user-1')
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(key.privateKey);
}

describe('TokenVerifier', () => {
  it('verifies a token, then answers from its cache without asking for keys again', async () => {
    const key = await keyPair();
    const keys = jest.fn(async () => ({ keys: [key.jwk] }));
    const verifier = new TokenVerifier({ keys });
    const token = await sign(key, 60);
    await expect(verifier.verify(token)).resolves.toEqual({ userId: 'user-1', accountId: 'acct' });
    await expect(verifier.verify(token)).resolves.toEqual({ userId: 'user-1', accountId: 'acct' });
    expect(keys).toHaveBeenCalledTimes(1);
  });

  it('reads the access key (akid) and token version (ver) claims that revocation checks', async () => {
    const key = await keyPair();
    const verifier = new TokenVerifier({ keys: async () => ({ keys: [key.jwk] }) });
    await expect(verifier.verify(await sign(key, 60, { acc: 'acct', akid: 'SCAKX', ver: 3 }))).resolves.toStrictEqual({
      userId: 'user-1',
      accountId: 'acct',
      accessKeyId: 'SCAKX',
      tokenVersion: 3,
    });
  });

  it('refuses a cached token once it has expired', async () => {
    const key = await keyPair();
    const verifier = new TokenVerifier({ keys: async () => ({ keys: [key.jwk] }) });
    // `exp` is in whole seconds: a 1 s lifetime may be over within milliseconds; 2 s leave at least one.
    const token = await sign(key, 2);
    expect(verifier.verifiedClaims(token)).toBeUndefined();
    await verifier.verify(token);
    expect(verifier.verifiedClaims(token)).toEqual({ userId: 'user-1', accountId: 'acct' });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(verifier.verifiedClaims(token)).toBeUndefined();
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
      message: 'the token has expired',
    });
  });

  it('fetches the keys again for a token signed with a key it does not hold (rotation)', async () => {
    const [oldKey, newKey] = [await keyPair(), await keyPair()];
    let published = [oldKey.jwk];
    const verifier = new TokenVerifier({ keys: async () => ({ keys: published }) });
    await verifier.verify(await sign(oldKey, 60));
    published = [newKey.jwk];
    await expect(verifier.verify(await sign(newKey, 60))).resolves.toMatchObject({ userId: 'user-1' });
  });

  it('refuses tampered tokens and tokens without an account', async () => {
    const key = await keyPair();
    const verifier = new TokenVerifier({ keys: async () => ({ keys: [key.jwk] }) });
    const token = await sign(key, 60);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'admin', acc: 'acct', exp: 9999999999 })).toString('base64url')}.${signature}`;
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
    await expect(verifier.verify(await sign(key, 60, {}))).rejects.toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
    await expect(verifier.verify(undefined)).rejects.toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
      message: 'a bearer token is required',
    });
  });

  it('keeps at most the configured number of tokens', async () => {
    const key = await keyPair();
    const keys = jest.fn(async () => ({ keys: [key.jwk] }));
    const verifier = new TokenVerifier({ keys }, 2);
    const tokens = [await sign(key, 60, { acc: 'a' }), await sign(key, 61, { acc: 'b' }), await sign(key, 62, { acc: 'c' })];
    for (const token of tokens) await verifier.verify(token);
    expect((verifier as unknown as { verified: Map<string, unknown> }).verified.size).toBe(2);
  });
});
