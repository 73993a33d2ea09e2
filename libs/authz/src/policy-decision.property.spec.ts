import fc from 'fast-check';

import { ACTION_CATALOG } from './action-catalog';
import { explainPermission } from './explain-permission';
import { allows, type AuthzRawRule, buildAbility, compilePolicies } from './policy-compiler';
import type { PolicyGrant } from './policy-grant';
import { grantsArb, isAdminArb, PROJECT_POOL, referenceDecision, reorderedArb } from './testing/policy-grant.arbitraries';

// Fixed seed: a failure reproduces on every run and on every machine.
const RUN = { seed: 42, numRuns: 300 };
const PROJECTS = [...PROJECT_POOL, 'ep-outside'];

const scenarioArb = fc
  .record({ grants: grantsArb, isAdmin: isAdminArb })
  .chain(({ grants, isAdmin }) =>
    fc.record({ grants: fc.constant(grants), reordered: reorderedArb(grants), isAdmin: fc.constant(isAdmin) }),
  );

/** Rules as a service receives them: through JSON. */
function abilityOver(grants: PolicyGrant[], isAdmin: boolean) {
  return buildAbility(JSON.parse(JSON.stringify(compilePolicies(grants, isAdmin))) as AuthzRawRule[]);
}

describe('policy decisions (property)', () => {
  it('allows() and explainPermission() equal the reference decision, whatever the order', () => {
    let allowedSeen = 0;
    let deniedByPolicySeen = 0;
    fc.assert(
      fc.property(scenarioArb, ({ grants, reordered, isAdmin }) => {
        const abilities = [abilityOver(grants, isAdmin), abilityOver(reordered, isAdmin)];
        for (const { name: action } of ACTION_CATALOG) {
          for (const project of PROJECTS) {
            const expected = referenceDecision(grants, isAdmin, action, project);
            const at = `${action} in ${project}`;
            // Plain checks in this hot loop: expect() would make 300 runs take many seconds.
            for (const ability of abilities) {
              if (allows(ability, action, project) !== expected) throw new Error(`allows() disagrees on ${at}`);
            }
            for (const input of [grants, reordered]) {
              const decision = explainPermission(input, isAdmin, action, project);
              if (decision.allowed !== expected) throw new Error(`explainPermission() disagrees on ${at}: ${decision.reason}`);
              if (decision.matchedPolicy) {
                // The named policy must really be attached in this project.
                const attached = input.some(
                  (g) =>
                    g.policy.id === decision.matchedPolicy!.id &&
                    (g.enterpriseProjectIds === null || g.enterpriseProjectIds.includes(project)),
                );
                if (!attached) throw new Error(`explainPermission() names a policy not attached in ${project}`);
                if (!decision.allowed) deniedByPolicySeen += 1;
              }
              if (decision.allowed) allowedSeen += 1;
            }
          }
        }
      }),
      RUN,
    );
    // Guards against a generator that only ever produces "deny everything".
    expect(allowedSeen).toBeGreaterThan(1000);
    expect(deniedByPolicySeen).toBeGreaterThan(100);
  });

  it('compiles the same rules whatever the order of statements and attachments', () => {
    fc.assert(
      fc.property(scenarioArb, ({ grants, reordered, isAdmin }) => {
        expect(compilePolicies(reordered, isAdmin)).toEqual(compilePolicies(grants, isAdmin));
      }),
      RUN,
    );
  });

  it('never emits an allow rule after a deny rule, nor more rules than resource-verb pairs', () => {
    fc.assert(
      fc.property(grantsArb, (grants) => {
        const rules = compilePolicies(grants, false);
        const firstDeny = rules.findIndex((r) => r.inverted);
        if (firstDeny !== -1) expect(rules.slice(firstDeny).every((r) => r.inverted)).toBe(true);
        const scopedPairs = ACTION_CATALOG.filter((d) => !d.adminOnly).length;
        expect(rules.length).toBeLessThanOrEqual(2 * scopedPairs);
      }),
      RUN,
    );
  });
});
