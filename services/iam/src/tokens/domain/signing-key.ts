import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';

import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';

/** A private key with the JWS algorithm its type implies and its public JWK (kid = thumbprint). */
export interface SigningKey {
  privateKey: KeyObject;
  algorithm: 'EdDSA' | 'RS256' | 'ES256';
  publicJwk: JWK;
}

export async function loadSigningKey(pem: string): Promise<SigningKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    // Never echo the key material, not even in part.
    throw new Error('IAM signing key: not a PEM private key');
  }
  const algorithm = algorithmFor(privateKey);
  const publicJwk = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(publicJwk);
  return { privateKey, algorithm, publicJwk: { ...publicJwk, kid, alg: algorithm, use: 'sig' } };
}

function algorithmFor(key: KeyObject): SigningKey['algorithm'] {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'EdDSA';
    case 'rsa':
      return 'RS256';
    case 'ec':
      if (key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
      break;
  }
  throw new Error(`IAM signing key: unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (use Ed25519, RSA or P-256)`);
}
