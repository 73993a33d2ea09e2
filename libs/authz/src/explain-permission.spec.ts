import { Actions, UnknownActionError } from './action-catalog';
import { explainPermission, type PermissionDecision } from './explain-permission';
import { allows, buildAbility, compilePolicies } from './policy-compiler';
import type { PolicyGrant, PolicyStatement } from './policy-grant';

function grant(name: string, statements: PolicyStatement[], enterpriseProjectIds: string[] | null = null): PolicyGrant {
  return { policy: { id: `id-${name}`, name, statements }, enterpriseProjectIds };
}
const allow = (...actions: string[]): PolicyStatement => ({ effect: 'ALLOW', actions });
const deny = (...actions: string[]): PolicyStatement => ({ effect: 'DENY', actions });

const developer = grant('developer', [allow('servicestage:*:*')], ['ep-a']);
const readerEverywhere = grant('reader', [allow('servicestage:*:get')]);
const noBuilds = grant('no-builds', [deny('servicestage:assembling:create', 'servicestage:assembling:modify')]);
const noBuildsInB = grant('no-builds-in-b', [deny('servicestage:assembling:*')], ['ep-b']);

describe('explainPermission', () => {
  it.each<[string, PolicyGrant[], boolean, string, string, PermissionDecision]>([
    [
      'administrator',
      [noBuilds],
      true,
      Actions.assembling.create,
      'ep-a',
      { allowed: true, reason: 'administrator', matchedPolicy: null },
    ],
    [
      'explicit deny names the denying policy',
      [developer, noBuilds],
      false,
      Actions.assembling.create,
      'ep-a',
      {
        allowed: false,
        reason: 'explicitly denied by policy "no-builds"',
        matchedPolicy: { id: 'id-no-builds', name: 'no-builds' },
      },
    ],
    [
      'allow names the first allowing policy',
      [readerEverywhere, developer, noBuilds],
      false,
      Actions.cluster.get,
      'ep-a',
      { allowed: true, reason: 'allowed by policy "reader"', matchedPolicy: { id: 'id-reader', name: 'reader' } },
    ],
    [
      'a deny attached in another project does not apply',
      [developer, noBuildsInB],
      false,
      Actions.assembling.delete,
      'ep-a',
      { allowed: true, reason: 'allowed by policy "developer"', matchedPolicy: { id: 'id-developer', name: 'developer' } },
    ],
    [
      'a deny attached in this project applies',
      [readerEverywhere, noBuildsInB],
      false,
      Actions.assembling.get,
      'ep-b',
      {
        allowed: false,
        reason: 'explicitly denied by policy "no-builds-in-b"',
        matchedPolicy: { id: 'id-no-builds-in-b', name: 'no-builds-in-b' },
      },
    ],
    [
      'an allow attached in another project does not apply',
      [developer],
      false,
      Actions.package.create,
      'ep-b',
      { allowed: false, reason: 'no policy allows servicestage:package:create in this enterprise project', matchedPolicy: null },
    ],
    [
      'no policy at all',
      [],
      false,
      Actions.cluster.list,
      'ep-a',
      { allowed: false, reason: 'no policy allows servicestage:cluster:list in this enterprise project', matchedPolicy: null },
    ],
    [
      'admin-only action for a non-admin, even when a policy allows it',
      [grant('iam-all', [allow('iam:*:*')])],
      false,
      Actions.policies.create,
      'ep-a',
      { allowed: false, reason: 'iam:policies:create is reserved for administrators', matchedPolicy: null },
    ],
  ])('%s', (_name, grants, isAdmin, action, project, expected) => {
    const decision = explainPermission(grants, isAdmin, action, project);
    expect(decision).toEqual(expected);
    expect(decision.allowed).toBe(allows(buildAbility(compilePolicies(grants, isAdmin)), action, project));
  });

  it('throws UnknownActionError (a bad input on field action) for an unknown action', () => {
    expect(() => explainPermission([developer], false, 'servicestage:widget:get', 'ep-a')).toThrow(UnknownActionError);
    expect(() => explainPermission([], true, 'servicestage:assembling:*', 'ep-a')).toThrow(UnknownActionError);
  });
});
