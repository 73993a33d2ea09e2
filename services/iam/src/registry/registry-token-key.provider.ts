import { readFileSync } from 'node:fs';

import type { Provider } from '@nestjs/common';
import { loadRegistryTokenKey, type RegistryTokenKey } from '@stagecraft/oci';

import { IamConfig } from '../config';

export const REGISTRY_TOKEN_KEY = Symbol('REGISTRY_TOKEN_KEY');

/** The registry token key, or null when this iam issues no registry tokens (no registry uses it). */
export const registryTokenKeyProvider: Provider = {
  provide: REGISTRY_TOKEN_KEY,
  inject: [IamConfig],
  useFactory: (config: IamConfig): RegistryTokenKey | null => {
    const key =
      config.REGISTRY_TOKEN_KEY ?? (config.REGISTRY_TOKEN_KEY_FILE && readFileSync(config.REGISTRY_TOKEN_KEY_FILE, 'utf8'));
    const certificate =
      config.REGISTRY_TOKEN_CERTIFICATE ??
      (config.REGISTRY_TOKEN_CERTIFICATE_FILE && readFileSync(config.REGISTRY_TOKEN_CERTIFICATE_FILE, 'utf8'));
    if (!key && !certificate) return null;
    if (!key || !certificate)
      throw new Error('iam needs both REGISTRY_TOKEN_KEY(_FILE) and REGISTRY_TOKEN_CERTIFICATE(_FILE) to issue registry tokens');
    return loadRegistryTokenKey(key, certificate);
  },
};
