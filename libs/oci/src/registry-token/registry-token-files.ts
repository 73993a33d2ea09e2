import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { RegistryTokenKeyError } from './registry-token';

export interface RegistryTokenFiles {
  /** The issuer's private key (PEM, PKCS#8, EC P-256): only iam reads it. */
  keyFile: string;
  /** Its self-signed certificate (PEM): the registry's `rootcertbundle`. */
  certificateFile: string;
}

/**
 * The key and certificate registry tokens are signed and trusted with, made once in `dir` with
 * `openssl req -x509` (what the production docs tell an operator to run) and kept.
 */
export function ensureRegistryTokenFiles(dir: string): RegistryTokenFiles {
  const files = { keyFile: join(dir, 'registry-token.key'), certificateFile: join(dir, 'registry-token.crt') };
  if (existsSync(files.keyFile) && existsSync(files.certificateFile)) return files;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    // prettier-ignore
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', files.keyFile, '-out', files.certificateFile,
      '-subj', '/CN=stagecraft-registry-token', '-days', '3650',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new RegistryTokenKeyError(
        'openssl is not on PATH, and it makes the registry token key: install it (Debian: apt-get install openssl)',
      );
    throw error;
  }
  chmodSync(files.keyFile, 0o600);
  return files;
}
