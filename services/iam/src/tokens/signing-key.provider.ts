import { readFileSync } from 'node:fs';

import type { Provider } from '@nestjs/common';

import { IamConfig } from '../config';
import { loadSigningKey } from './domain/signing-key';

export const SIGNING_KEY = Symbol('SIGNING_KEY');

export const signingKeyProvider: Provider = {
  provide: SIGNING_KEY,
  inject: [IamConfig],
  useFactory: (config: IamConfig) => {
    const pem = config.IAM_SIGNING_KEY ?? (config.IAM_SIGNING_KEY_FILE && readFileSync(config.IAM_SIGNING_KEY_FILE, 'utf8'));
    if (!pem) throw new Error('iam needs IAM_SIGNING_KEY or IAM_SIGNING_KEY_FILE');
    return loadSigningKey(pem);
  },
};
