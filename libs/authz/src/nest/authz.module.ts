import {
  DynamicModule,
  Global,
  Injectable,
  Module,
  ModuleMetadata,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Provider,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { NatsRpcClient } from '@stagecraft/messaging';
import type { Subscription } from 'nats';

import { listenForAuthzChanges } from './authz-changes';
import { CallerResolver, type CallerRulesSource, MAX_RULES_CACHE_TTL_MS } from './caller-resolver';
import { NatsCallerRulesSource, NatsVerificationKeySource } from './nats-sources';
import { RpcAuthGuard } from './rpc-auth.guard';
import { TokenVerifier, type VerificationKeySource } from './token-verifier';

export const VERIFICATION_KEY_SOURCE = Symbol('VERIFICATION_KEY_SOURCE');
export const CALLER_RULES_SOURCE = Symbol('CALLER_RULES_SOURCE');

export interface AuthzModuleOptions {
  /** How long compiled rules may be reused without an event saying they changed (at most 5 s). */
  cacheTtlMs?: number;
  /** iam supplies its own sources (its key and database); every other service asks iam. */
  keySource?: Provider;
  rulesSource?: Provider;
  /** Modules the custom sources above need. */
  imports?: ModuleMetadata['imports'];
}

@Injectable()
class AuthzChangeListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription?: Subscription;

  constructor(
    private readonly client: NatsRpcClient,
    private readonly resolver: CallerResolver,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = listenForAuthzChanges(this.client, this.resolver);
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}

@Global()
@Module({})
export class AuthzModule {
  /** For services: verifies tokens, resolves callers and guards every message handler. */
  static forService(options: AuthzModuleOptions = {}): DynamicModule {
    const module = AuthzModule.forCallers(options);
    return {
      ...module,
      providers: [...(module.providers ?? []), { provide: APP_GUARD, useClass: RpcAuthGuard }],
    };
  }

  /**
   * Token verification and callers with their abilities, without guarding message handlers:
   * for the gateway, which filters a subscription's events by the subscriber's projects.
   */
  static forCallers(options: AuthzModuleOptions = {}): DynamicModule {
    const module = AuthzModule.forTokens(options);
    return {
      ...module,
      providers: [
        ...(module.providers ?? []),
        options.rulesSource ?? {
          provide: CALLER_RULES_SOURCE,
          inject: [NatsRpcClient],
          useFactory: (client: NatsRpcClient) => new NatsCallerRulesSource(client),
        },
        {
          provide: CallerResolver,
          inject: [TokenVerifier, CALLER_RULES_SOURCE],
          useFactory: (verifier: TokenVerifier, rules: CallerRulesSource) =>
            new CallerResolver(verifier, rules, { cacheTtlMs: options.cacheTtlMs ?? MAX_RULES_CACHE_TTL_MS }),
        },
        AuthzChangeListener,
      ],
      exports: [...(module.exports ?? []), CallerResolver],
    };
  }

  /** Token verification only. */
  static forTokens(options: Pick<AuthzModuleOptions, 'keySource' | 'imports'> = {}): DynamicModule {
    return {
      module: AuthzModule,
      imports: options.imports ?? [],
      providers: [
        options.keySource ?? {
          provide: VERIFICATION_KEY_SOURCE,
          inject: [NatsRpcClient],
          useFactory: (client: NatsRpcClient) => new NatsVerificationKeySource(client),
        },
        {
          provide: TokenVerifier,
          inject: [VERIFICATION_KEY_SOURCE],
          useFactory: (source: VerificationKeySource) => new TokenVerifier(source),
        },
      ],
      exports: [TokenVerifier],
    };
  }
}
