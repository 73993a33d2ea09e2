import { IamSubjects } from '@stagecraft/contracts';
import { NatsRpcClient, type RequestMeta } from '@stagecraft/messaging';
import type { JSONWebKeySet } from 'jose';

import type { CallerRulesSource } from './caller-resolver';
import type { TokenClaims, VerificationKeySource } from './token-verifier';

/** iam's public keys, asked for over NATS. */
export class NatsVerificationKeySource implements VerificationKeySource {
  constructor(private readonly client: NatsRpcClient) {}

  async keys(): Promise<JSONWebKeySet> {
    return (await this.client.send(IamSubjects.getSigningKeys, {})) as unknown as JSONWebKeySet;
  }
}

/** The caller's compiled rules, asked for over NATS with the caller's own token. */
export class NatsCallerRulesSource implements CallerRulesSource {
  constructor(private readonly client: NatsRpcClient) {}

  rulesFor(_claims: TokenClaims, meta: RequestMeta) {
    return this.client.send(IamSubjects.getCallerRules, {}, meta);
  }
}
