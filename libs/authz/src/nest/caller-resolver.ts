import type { AuthzChangedEvent, CallerRulesDto } from '@stagecraft/contracts';
import type { RequestMeta } from '@stagecraft/messaging';

import { buildAbility } from '../policy-compiler';
import { Caller } from './caller';
import type { TokenClaims, TokenVerifier } from './token-verifier';

/** Where a caller's compiled rules come from: iam over NATS, or iam's own database. */
export interface CallerRulesSource {
  rulesFor(claims: TokenClaims, meta: RequestMeta): Promise<CallerRulesDto>;
}

export interface CallerResolverOptions {
  /** A safety net only: an authz-changed event clears entries at once. */
  cacheTtlMs: number;
  now?: () => number;
}

interface CompiledRules {
  userId: string;
  accountId: string;
  isAdmin: boolean;
  ability: Caller['ability'];
}

interface CacheEntry {
  expiresAt: number;
  compiled: Promise<CompiledRules>;
}

/**
 * Turns a request's token into a Caller: verifies the token itself (services do not trust
 * the gateway) and builds the ability from the user's rules, cached per user.
 */
export class CallerResolver {
  private readonly cache = new Map<string, CacheEntry>();
  /** Bumped by every invalidation, so a fetch that was in flight then is not kept. */
  private generation = 0;
  private readonly now: () => number;

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly rules: CallerRulesSource,
    private readonly options: CallerResolverOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async resolve(meta: RequestMeta): Promise<Caller> {
    const claims = await this.verifier.verify(meta.token);
    const compiled = await this.entryFor(claims, meta).compiled;
    return new Caller(compiled.userId, compiled.accountId, compiled.isAdmin, compiled.ability, meta);
  }

  /** Applies an authz-changed event: the named users' rules (or everyone's) are rebuilt on next use. */
  invalidate(event: AuthzChangedEvent): void {
    this.generation += 1;
    if (event.userIds === null) {
      this.cache.clear();
      return;
    }
    for (const userId of event.userIds) this.cache.delete(userId);
  }

  private entryFor(claims: TokenClaims, meta: RequestMeta): CacheEntry {
    const existing = this.cache.get(claims.userId);
    if (existing && existing.expiresAt > this.now()) return existing;
    const generation = this.generation;
    const entry: CacheEntry = {
      expiresAt: this.now() + this.options.cacheTtlMs,
      compiled: this.rules.rulesFor(claims, meta).then((dto) => ({
        userId: dto.userId,
        accountId: dto.accountId,
        isAdmin: dto.isAdmin,
        ability: buildAbility(dto.rules as Parameters<typeof buildAbility>[0]),
      })),
    };
    this.cache.set(claims.userId, entry);
    entry.compiled.then(
      () => {
        if (this.generation !== generation && this.cache.get(claims.userId) === entry) this.cache.delete(claims.userId);
      },
      () => {
        if (this.cache.get(claims.userId) === entry) this.cache.delete(claims.userId);
      },
    );
    return entry;
  }
}
