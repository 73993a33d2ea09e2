import { generateKeyPairSync } from 'node:crypto';

/** A throwaway Ed25519 signing key in PEM, as iam reads it from IAM_SIGNING_KEY. */
export function generateSigningKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
