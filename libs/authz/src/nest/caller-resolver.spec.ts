import { type CallerRulesDto, ErrorCode } from '@stagecraft/contracts';

import { compilePolicies } from '../policy-compiler';
import { CallerResolver, MAX_RULES_CACHE_TTL_MS } from './caller-resolver';
import type { TokenClaims, TokenVerifier } from './token-verifier';

/** Tokens are their claims here: the verifier is not what these tests are about. */
const claimsByToken = new Map<string, TokenClaims>();
const verifier = {
  verify: async (token: string | undefined) => {
    const claims = token && claimsByToken.get(token);
    if (!claims) throw new Error('unknown token');
    return claims;
  },
  verifiedClaims: (token: string | undefined) => (token ? claimsByToken.get(token) : undefined),
} as unknown as TokenVerifier;

function token(name: string, claims: Partial<TokenClaims>): string {
  claimsByToken.set(name, { userId: 'user-1', accountId: 'acct', accessKeyId: 'KEY1', tokenVersion: 0, ...claims });
  return name;
}

function setup(initial: Partial<CallerRulesDto> = {}) {
  let clock = 1_000_000;
  const state: CallerRulesDto = {
    userId: 'user-1',
    accountId: 'acct',
    isAdmin: false,
    rules: [],
    tokenVersion: 0,
    accessKeyIds: ['KEY1'],
    ...initial,
  };
  const rulesFor = jest.fn(async () => ({ ...state, accessKeyIds: [...state.accessKeyIds] }));
  const resolver = new CallerResolver(verifier, { rulesFor }, { cacheTtlMs: 60_000, now: () => clock });
  return {
    state,
    rulesFor,
    resolver,
    advance: (ms: number) => (clock += ms),
  };
}

const revoked = { code: ErrorCode.UNAUTHENTICATED, message: 'the token has been revoked' };

describe('CallerResolver revocation', () => {
  it('accepts a token of an enabled key at the current version', async () => {
    const { resolver } = setup();
    await expect(resolver.resolve({ token: token('ok', {}) })).resolves.toMatchObject({ userId: 'user-1' });
  });

  it('refuses a token older than the user’s token version once the event arrives, and a newer one still works', async () => {
    const { resolver, state } = setup();
    const old = token('old', { tokenVersion: 0 });
    await resolver.resolve({ token: old });
    state.tokenVersion = 1;
    resolver.invalidate({ accountId: 'acct', userIds: ['user-1'] });
    await expect(resolver.resolve({ token: old })).rejects.toMatchObject(revoked);
    await expect(resolver.resolve({ token: token('new', { tokenVersion: 1 }) })).resolves.toMatchObject({ userId: 'user-1' });
  });

  it('refuses a token whose access key is disabled or deleted', async () => {
    const { resolver, state } = setup({ accessKeyIds: ['KEY1', 'KEY2'] });
    const first = token('first', { accessKeyId: 'KEY1' });
    const second = token('second', { accessKeyId: 'KEY2' });
    await resolver.resolve({ token: first });
    state.accessKeyIds = ['KEY2'];
    resolver.invalidate({ accountId: 'acct', userIds: ['user-1'] });
    await expect(resolver.resolve({ token: first })).rejects.toMatchObject(revoked);
    await expect(resolver.resolve({ token: second })).resolves.toMatchObject({ userId: 'user-1' });
  });

  it('refuses a token without the key and version claims', async () => {
    const { resolver } = setup();
    const bare = token('bare', {});
    claimsByToken.set(bare, { userId: 'user-1', accountId: 'acct' });
    await expect(resolver.resolve({ token: bare })).rejects.toMatchObject(revoked);
  });

  it('caps the cache at 5 seconds: without any event a revocation is seen after the cap', async () => {
    const { resolver, state, advance, rulesFor } = setup();
    const old = token('capped', {});
    await resolver.resolve({ token: old });
    state.tokenVersion = 1;
    // Within the cap the cached rules answer (no event was delivered)...
    advance(MAX_RULES_CACHE_TTL_MS - 1);
    await expect(resolver.resolve({ token: old })).resolves.toBeDefined();
    // ...and once it has passed they are fetched again, although 60 s were asked for.
    advance(2);
    await expect(resolver.resolve({ token: old })).rejects.toMatchObject(revoked);
    expect(rulesFor).toHaveBeenCalledTimes(2);
  });

  it('fetches again (at most once a second) when a token names a key the cached rules do not know', async () => {
    const { resolver, state, advance, rulesFor } = setup();
    await resolver.resolve({ token: token('known', {}) });
    state.accessKeyIds = ['KEY1', 'KEY3'];
    const fresh = token('fresh', { accessKeyId: 'KEY3' });
    // The cached rules were fetched just now: no second fetch yet, refused.
    await expect(resolver.resolve({ token: fresh })).rejects.toMatchObject(revoked);
    expect(rulesFor).toHaveBeenCalledTimes(1);
    advance(1_000);
    await expect(resolver.resolve({ token: fresh })).resolves.toMatchObject({ userId: 'user-1' });
    expect(rulesFor).toHaveBeenCalledTimes(2);
    // A token of a key that really is gone costs at most one fetch a second.
    const gone = token('gone', { accessKeyId: 'KEY9' });
    await expect(resolver.resolve({ token: gone })).rejects.toMatchObject(revoked);
    await expect(resolver.resolve({ token: gone })).rejects.toMatchObject(revoked);
    expect(rulesFor).toHaveBeenCalledTimes(2);
  });

  it('refuses the token of a user iam no longer knows', async () => {
    const { resolver, rulesFor } = setup();
    rulesFor.mockRejectedValueOnce(Object.assign(new Error('gone'), { code: ErrorCode.UNAUTHENTICATED }));
    await expect(resolver.resolve({ token: token('deleted', {}) })).rejects.toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
  });
});

describe('CallerResolver.cachedCaller: the synchronous path for per-event checks', () => {
  const CREATE = 'servicestage:assembling:create';
  const rulesAllowing = (effect: 'ALLOW' | 'DENY') =>
    compilePolicies(
      [
        {
          policy: { id: 'p1', name: 'builders', statements: [{ effect: 'ALLOW', actions: ['servicestage:assembling:*'] }] },
          enterpriseProjectIds: ['prj'],
        },
        ...(effect === 'DENY'
          ? [
              {
                policy: { id: 'p2', name: 'no-create', statements: [{ effect: 'DENY' as const, actions: [CREATE] }] },
                enterpriseProjectIds: ['prj'],
              },
            ]
          : []),
      ],
      false,
    );

  it('answers nothing until resolve has cached the user, then the same Caller resolve would', async () => {
    const { resolver } = setup({ rules: rulesAllowing('ALLOW') });
    const meta = { token: token('sync', {}) };
    expect(resolver.cachedCaller(meta)).toBeUndefined();
    await resolver.resolve(meta);
    const caller = resolver.cachedCaller(meta);
    expect(caller).toMatchObject({ userId: 'user-1', accountId: 'acct', meta });
    expect(caller!.can(CREATE, 'prj')).toBe(true);
    expect(caller!.can(CREATE, 'other')).toBe(false);
  });

  it('forgets the user’s decisions when a policy changes: a Deny added meanwhile holds at the next check', async () => {
    const { resolver, state } = setup({ rules: rulesAllowing('ALLOW') });
    const meta = { token: token('deny-later', {}) };
    await resolver.resolve(meta);
    expect(resolver.cachedCaller(meta)!.can(CREATE, 'prj')).toBe(true);
    state.rules = rulesAllowing('DENY');
    resolver.invalidate({ accountId: 'acct', userIds: ['user-1'] });
    expect(resolver.cachedCaller(meta)).toBeUndefined();
    expect((await resolver.resolve(meta)).can(CREATE, 'prj')).toBe(false);
    expect(resolver.cachedCaller(meta)!.can(CREATE, 'prj')).toBe(false);
  });

  it('answers nothing for a revoked token or once the cache has expired, so that resolve refuses or refetches', async () => {
    const { resolver, state, advance } = setup();
    const old = token('sync-old', {});
    await resolver.resolve({ token: old });
    state.tokenVersion = 1;
    resolver.invalidate({ accountId: 'acct', userIds: ['user-1'] });
    await resolver.resolve({ token: token('sync-new', { tokenVersion: 1 }) });
    expect(resolver.cachedCaller({ token: 'sync-new' })).toBeDefined();
    expect(resolver.cachedCaller({ token: old })).toBeUndefined();
    advance(MAX_RULES_CACHE_TTL_MS);
    expect(resolver.cachedCaller({ token: 'sync-new' })).toBeUndefined();
  });

  it('does not keep rules fetched while an invalidation happened', async () => {
    const { resolver, state, rulesFor } = setup({ rules: rulesAllowing('ALLOW') });
    const meta = { token: token('in-flight', {}) };
    let release!: () => void;
    rulesFor.mockImplementationOnce(async () => {
      const stale = { ...state, accessKeyIds: [...state.accessKeyIds] };
      await new Promise<void>((resolve) => (release = resolve));
      return stale;
    });
    const resolving = resolver.resolve(meta);
    await Promise.resolve();
    resolver.invalidate({ accountId: 'acct', userIds: null });
    release();
    await resolving;
    expect(resolver.cachedCaller(meta)).toBeUndefined();
  });
});
