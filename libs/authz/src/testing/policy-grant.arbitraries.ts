import fc from 'fast-check';

import type { PolicyDocument, PolicyGrant, PolicyStatement } from '../policy-grant';

/** Test-only: random policy sets for the property tests, and an independent reference decision. */

export const PROJECT_POOL = ['ep-a', 'ep-b', 'ep-c', 'ep-d'] as const;

/** Exact names, every wildcard form, admin-only ones and a stale name the catalog lacks. */
export const PATTERN_POOL = [
  '*',
  'servicestage:*:*',
  'servicestage:assembling:*',
  'servicestage:package:*',
  'servicestage:*:get',
  'servicestage:*:list',
  'servicestage:*:c*',
  'servicestage:assembling:mod*',
  'servicestage:cl*:*',
  'servicestage:assembling:get',
  'servicestage:assembling:create',
  'servicestage:assembling:modify',
  'servicestage:assembling:delete',
  'servicestage:package:get',
  'servicestage:package:delete',
  'servicestage:cluster:list',
  'servicestage:cluster:modify',
  'iam:*:*',
  'iam:policies:create',
  '*:*:explain',
  'servicestage:widget:get',
] as const;

const statementArb: fc.Arbitrary<PolicyStatement> = fc.record({
  effect: fc.oneof(
    { arbitrary: fc.constant('ALLOW' as const), weight: 2 },
    { arbitrary: fc.constant('DENY' as const), weight: 1 },
  ),
  actions: fc.array(fc.constantFrom(...PATTERN_POOL), { minLength: 1, maxLength: 3 }),
});

const scopeArb: fc.Arbitrary<string[] | null> = fc.option(fc.subarray([...PROJECT_POOL]), { nil: null, freq: 3 });

/** Attachments of a few policies; a policy may be attached more than once, in other projects. */
export const grantsArb: fc.Arbitrary<PolicyGrant[]> = fc
  .array(fc.array(statementArb, { maxLength: 4 }), { minLength: 1, maxLength: 4 })
  .chain((statementLists) => {
    const policies: PolicyDocument[] = statementLists.map((statements, i) => ({
      id: `policy-${i}`,
      name: `Policy ${i}`,
      statements,
    }));
    return fc.array(fc.record({ policy: fc.constantFrom(...policies), enterpriseProjectIds: scopeArb }), { maxLength: 5 });
  });

export const isAdminArb = fc.oneof({ arbitrary: fc.constant(false), weight: 6 }, { arbitrary: fc.constant(true), weight: 1 });

function permutation<T>(values: readonly T[]): fc.Arbitrary<T[]> {
  return fc.shuffledSubarray([...values], { minLength: values.length, maxLength: values.length });
}

/** The same grants with statements reordered inside each policy and attachments reordered. */
export function reorderedArb(grants: readonly PolicyGrant[]): fc.Arbitrary<PolicyGrant[]> {
  const perGrant = grants.map((grant) =>
    permutation(grant.policy.statements).map(
      (statements): PolicyGrant => ({ ...grant, policy: { ...grant.policy, statements } }),
    ),
  );
  return fc.tuple(...perGrant).chain((reordered) => permutation(reordered));
}

/**
 * The rule as the product states it, written without the catalog or the pattern parser:
 * administrators may do anything; iam actions are theirs only; otherwise deny if a matching
 * Deny covers the project, else allow if a matching Allow covers it, else deny.
 */
export function referenceDecision(grants: readonly PolicyGrant[], isAdmin: boolean, action: string, project: string): boolean {
  if (isAdmin) return true;
  if (action.startsWith('iam:')) return false;
  const effects = grants
    .filter((g) => g.enterpriseProjectIds === null || g.enterpriseProjectIds.includes(project))
    .flatMap((g) => g.policy.statements)
    .filter((s) => s.actions.some((pattern) => patternRegExp(pattern).test(action)))
    .map((s) => s.effect);
  if (effects.includes('DENY')) return false;
  return effects.includes('ALLOW');
}

function patternRegExp(pattern: string): RegExp {
  if (pattern === '*') return /^.*$/;
  const segments = pattern.split(':').map((segment) => (segment.endsWith('*') ? `${segment.slice(0, -1)}[^:]*` : segment));
  return new RegExp(`^${segments.join(':')}$`);
}
