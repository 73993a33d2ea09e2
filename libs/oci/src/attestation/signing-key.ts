import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** The platform's attestation key: the private half signs, the public half is published for verifiers. */
export interface AttestationSigningKey {
  privateKey: KeyObject;
  /** SPKI PEM: what `cosign verify-attestation --key` and openssl take. */
  publicKeyPem: string;
}

/** Why a key was refused; the message never holds key material. */
export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

/**
 * Reads a PEM private key (PKCS#8 or SEC1) and accepts only EC P-256: cosign's default key type,
 * and the one its `--key` verification of an ECDSA signature over SHA-256 expects.
 */
export function loadSigningKey(pem: string): AttestationSigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new SigningKeyError('the attestation signing key is not a readable PEM private key');
  }
  const details = privateKey.asymmetricKeyDetails;
  if (privateKey.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1')
    throw new SigningKeyError('the attestation signing key must be an EC P-256 (prime256v1) key');
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem };
}
