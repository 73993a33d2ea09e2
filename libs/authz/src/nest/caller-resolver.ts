import { type AuthzChangedEvent, type CallerRulesDto, ServiceError } from '@stagecraft/contracts';
import type { RequestMeta } from '@stagecraft/messaging';

import { buildAbility } from '../policy-compiler';
import { Caller } from './caller';
import type { TokenClaims, TokenVerifier } from './token-verifier';

/** Where a caller's compiled rules come from: iam over NATS, or iam's own database. */
export interface CallerRulesSource {
  rulesFor(claims: TokenClaims, meta: RequestMeta): Promise<CallerRulesDto>;
}

/**
 * The longest compiled rules are reused: an authz-changed event clears them at once, and this
 * bounds how long a lost event (core NATS is at-most-once) can keep a revoked token working.
 */
export const MAX_RULES_CACHE_TTL_MS = 5_000;

/** How often one user's rules may be fetched again because a token did not match them. */
const REFETCH_ON_MISMATCH_MS = 1_000;

export interface CallerResolverOptions {
  /** A safety net only: an authz-changed event clears entries at once. Capped at MAX_RULES_CACHE_TTL_MS. */
  cacheTtlMs: number;
  now?: () => number;
}

interface CompiledRules {
  userId: string;
  accountId: string;
  isAdmin: boolean;
  ability: Caller['ability'];
  tokenVersion: number;
  accessKeyIds: ReadonlySet<string>;
  /** The user's decisions so far, shared by every Caller built from these rules and dropped with them. */
  decisions: Map<string, boolean>;
}

interface CacheEntry {
  fetchedAt: number;
  expiresAt: number;
  compiled: Promise<CompiledRules>;
  /** `compiled` once it has settled successfully: what the synchronous path reads. */
  settled?: CompiledRules;
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
  private readonly cacheTtlMs: number;

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly rules: CallerRulesSource,
    options: CallerResolverOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.cacheTtlMs = Math.min(options.cacheTtlMs, MAX_RULES_CACHE_TTL_MS);
  }

  /**
   * Refuses (UNAUTHENTICATED) a token that was revoked: its user is gone, its version is older
   * than the user's (revokeTokens), or its access key is disabled or deleted.
   */
  async resolve(meta: RequestMeta): Promise<Caller> {
    const cached = this.cachedCaller(meta);
    if (cached) return cached;
    const claims = await this.verifier.verify(meta.token);
    let entry = this.entryFor(claims, meta);
    let compiled = await entry.compiled;
    // Rules cached before a newer token or key existed: fetch them again, at most once a second.
    if (!stillValid(claims, compiled) && this.now() - entry.fetchedAt >= REFETCH_ON_MISMATCH_MS) {
      if (this.cache.get(claims.userId) === entry) this.cache.delete(claims.userId);
      entry = this.entryFor(claims, meta);
      compiled = await entry.compiled;
    }
    if (!stillValid(claims, compiled)) throw ServiceError.unauthenticated('the token has been revoked');
    return callerOf(compiled, meta);
  }

  /**
   * The Caller `resolve` would answer, when everything it needs is already at hand (a token
   * verified before, its user's rules cached and fresh, the token still standing against them);
   * otherwise undefined, and `resolve` decides. For per-event checks, which then cost no promise.
   */
  cachedCaller(meta: RequestMeta): Caller | undefined {
    const claims = this.verifier.verifiedClaims(meta.token);
    if (!claims) return undefined;
    const entry = this.cache.get(claims.userId);
    const compiled = entry?.settled;
    if (!compiled || entry.expiresAt <= this.now() || !stillValid(claims, compiled)) return undefined;
    return callerOf(compiled, meta);
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
      fetchedAt: this.now(),
      expiresAt: this.now() + this.cacheTtlMs,
      compiled: this.rules.rulesFor(claims, meta).then((dto) => ({
        userId: dto.userId,
        accountId: dto.accountId,
        isAdmin: dto.isAdmin,
        ability: buildAbility(dto.rules as Parameters<typeof buildAbility>[0]),
        tokenVersion: dto.tokenVersion,
        accessKeyIds: new Set(dto.accessKeyIds),
        decisions: new Map(),
      })),
    };
    this.cache.set(claims.userId, entry);
    entry.compiled.then(
      (compiled) => {
        if (this.generation !== generation && this.cache.get(claims.userId) === entry) this.cache.delete(claims.userId);
        else entry.settled = compiled;
      },
      () => {
        if (this.cache.get(claims.userId) === entry) this.cache.delete(claims.userId);
      },
    );
    return entry;
  }
}

function callerOf(compiled: CompiledRules, meta: RequestMeta): Caller {
  return new Caller(compiled.userId, compiled.accountId, compiled.isAdmin, compiled.ability, meta, compiled.decisions);
}

/** Whether a token still stands against its user's current state (tokens lacking the claims never do). */
function stillValid(claims: TokenClaims, compiled: CompiledRules): boolean {
  if (claims.tokenVersion === undefined || claims.accessKeyId === undefined) return false;
  return claims.tokenVersion >= compiled.tokenVersion && compiled.accessKeyIds.has(claims.accessKeyId);
}
