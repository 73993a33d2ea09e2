import { readFileSync } from 'node:fs';

import { SecretBox } from './secret-box';

export interface SecretsKeySource {
  /** The key itself, base64 (32 bytes). */
  SECRETS_KEY?: string;
  /** Or a file holding it (a Docker or Kubernetes secret). */
  SECRETS_KEY_FILE?: string;
}

/** The SecretBox a service's config points at: SECRETS_KEY, or SECRETS_KEY_FILE when that is set. */
export function secretBoxFrom(config: SecretsKeySource): SecretBox {
  const key = config.SECRETS_KEY ?? (config.SECRETS_KEY_FILE ? readFileSync(config.SECRETS_KEY_FILE, 'utf8').trim() : undefined);
  if (!key) throw new Error('set SECRETS_KEY or SECRETS_KEY_FILE (32 random bytes, base64: openssl rand -base64 32)');
  return new SecretBox(key);
}
