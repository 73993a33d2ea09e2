import { Actions, UnknownActionError } from './action-catalog';
import { allows, type AuthzRawRule, buildAbility, compilePolicies } from './policy-compiler';
import type { PolicyGrant, PolicyStatement } from './policy-grant';

function grant(name: string, statements: PolicyStatement[], enterpriseProjectIds: string[] | null = null): PolicyGrant {
  return { policy: { id: `id-${name}`, name, statements }, enterpriseProjectIds };
}
const allow = (...actions: string[]): PolicyStatement => ({ effect: 'ALLOW', actions });
const deny = (...actions: string[]): PolicyStatement => ({ effect: 'DENY', actions });
const inProjects = (...ids: string[]) => ({ enterpriseProjectId: { $in: ids } });

describe('compilePolicies: rules', () => {
  it.each<{ name: string; grants: PolicyGrant[]; isAdmin?: boolean; rules: AuthzRawRule[] }>([
    { name: 'no grants: no rules (default deny)', grants: [], rules: [] },
    {
      name: 'admin: manage all, whatever the grants',
      grants: [grant('deny-all', [deny('*')])],
      isAdmin: true,
      rules: [{ action: 'manage', subject: 'all' }],
    },
    {
      name: 'single allow in every project: no condition',
      grants: [grant('p', [allow('servicestage:assembling:get')])],
      rules: [{ action: 'get', subject: 'assembling' }],
    },
    {
      name: 'single allow in some projects: $in condition, ids sorted',
      grants: [grant('p', [allow('servicestage:package:list')], ['ep-b', 'ep-a'])],
      rules: [{ action: 'list', subject: 'package', conditions: inProjects('ep-a', 'ep-b') }],
    },
    {
      name: 'wildcard verb: one rule with every verb of the resource',
      grants: [grant('p', [allow('servicestage:assembling:*')], ['ep-a'])],
      rules: [{ action: ['get', 'list', 'create', 'modify', 'delete'], subject: 'assembling', conditions: inProjects('ep-a') }],
    },
    {
      name: 'resources with the same verbs share a rule',
      grants: [grant('p', [allow('servicestage:*:get', 'servicestage:*:list')])],
      rules: [
        { action: ['get', 'list'], subject: ['assembling', 'package', 'cluster'] },
        { action: 'list', subject: 'image' },
      ],
    },
    {
      name: 'deny rules come after every allow rule, even when stated first',
      grants: [
        grant('no-builds', [
          deny('servicestage:assembling:create', 'servicestage:assembling:modify', 'servicestage:assembling:delete'),
        ]),
        grant('developer', [allow('servicestage:*:*')]),
      ],
      rules: [
        { action: ['get', 'list', 'create', 'modify', 'delete'], subject: ['assembling', 'cluster'] },
        { action: ['get', 'list', 'create', 'delete'], subject: 'package' },
        { action: ['list', 'modify', 'pull'], subject: 'image' },
        { action: ['create', 'modify', 'delete'], subject: 'assembling', inverted: true },
      ],
    },
    {
      name: 'scopes of the same pair are united; an all-projects grant absorbs the others',
      grants: [
        grant('a', [allow('servicestage:cluster:get')], ['ep-a']),
        grant('b', [allow('servicestage:cluster:get', 'servicestage:cluster:list')], ['ep-b']),
        grant('all', [allow('servicestage:package:get')], null),
        grant('also-a', [allow('servicestage:package:get')], ['ep-a']),
      ],
      rules: [
        { action: 'get', subject: 'package' },
        { action: 'get', subject: 'cluster', conditions: inProjects('ep-a', 'ep-b') },
        { action: 'list', subject: 'cluster', conditions: inProjects('ep-b') },
      ],
    },
    {
      name: 'scoped deny becomes a scoped inverted rule',
      grants: [
        grant('all', [allow('servicestage:assembling:get')]),
        grant('not-b', [deny('servicestage:assembling:get')], ['ep-b']),
      ],
      rules: [
        { action: 'get', subject: 'assembling' },
        { action: 'get', subject: 'assembling', conditions: inProjects('ep-b'), inverted: true },
      ],
    },
    {
      name: 'admin-only actions grant nothing to non-admins, and a Deny of them is dropped',
      grants: [grant('iam', [allow('iam:*:*', '*'), deny('iam:policies:*')])],
      rules: [
        { action: ['get', 'list', 'create', 'modify', 'delete'], subject: ['assembling', 'cluster'] },
        { action: ['get', 'list', 'create', 'delete'], subject: 'package' },
        { action: ['list', 'modify', 'pull'], subject: 'image' },
      ],
    },
    {
      name: 'an attachment to an empty project list covers nothing',
      grants: [grant('nowhere', [allow('*')], [])],
      rules: [],
    },
    {
      name: 'a stored pattern that no longer matches the catalog compiles to nothing',
      grants: [grant('stale', [allow('servicestage:widget:get', 'servicestage:cluster:get')])],
      rules: [{ action: 'get', subject: 'cluster' }],
    },
  ])('$name', ({ grants, isAdmin = false, rules }) => {
    expect(compilePolicies(grants, isAdmin)).toEqual(rules);
  });

  it('refuses a statement with an unknown effect rather than guessing', () => {
    const bad = grant('bad', [{ effect: 'Deny' as 'DENY', actions: ['*'] }]);
    expect(() => compilePolicies([bad], false)).toThrow('unknown effect "Deny"');
  });

  it('keeps the rule count small for many statements', () => {
    const statements = Array.from({ length: 1000 }, (_, i) =>
      i % 3 === 0
        ? deny(`servicestage:cluster:${['get', 'delete'][i % 2]}`)
        : allow('servicestage:*:*', 'servicestage:assembling:get'),
    );
    const grants = Array.from({ length: 10 }, (_, i) => grant(`p${i}`, statements, i % 2 === 0 ? ['ep-a'] : ['ep-a', 'ep-b']));
    const rules = compilePolicies(grants, false);
    expect(rules.length).toBeLessThanOrEqual(6);
    const ability = buildAbility(rules);
    expect(allows(ability, Actions.cluster.get, 'ep-a')).toBe(false);
    expect(allows(ability, Actions.cluster.list, 'ep-b')).toBe(true);
    expect(allows(ability, Actions.cluster.list, 'ep-c')).toBe(false);
  });
});

describe('compilePolicies + allows: decisions', () => {
  const developer = grant('developer', [allow('servicestage:*:*')], ['ep-a', 'ep-b']);
  const noBuilds = grant('no-builds', [
    deny('servicestage:assembling:create', 'servicestage:assembling:modify', 'servicestage:assembling:delete'),
  ]);
  const readerEverywhere = grant('reader', [allow('servicestage:*:get', 'servicestage:*:list')]);
  const denyInB = grant('not-in-b', [deny('*')], ['ep-b']);

  it.each<[string, PolicyGrant[], boolean, string, string, boolean]>([
    ['default deny', [], false, Actions.assembling.get, 'ep-a', false],
    ['admin may do anything', [], true, Actions.policies.create, 'ep-z', true],
    ['allow in scope', [developer], false, Actions.assembling.create, 'ep-a', true],
    ['allow does not reach other projects', [developer], false, Actions.assembling.create, 'ep-c', false],
    ['deny wins (deny attached first)', [noBuilds, developer], false, Actions.assembling.create, 'ep-a', false],
    ['deny wins (deny attached last)', [developer, noBuilds], false, Actions.assembling.modify, 'ep-b', false],
    ['deny only removes what it names', [developer, noBuilds], false, Actions.assembling.get, 'ep-b', true],
    ['deny in one project only', [readerEverywhere, denyInB], false, Actions.cluster.get, 'ep-b', false],
    ['deny in one project leaves the others', [readerEverywhere, denyInB], false, Actions.cluster.get, 'ep-c', true],
    [
      'non-admin cannot use iam actions even if allowed',
      [grant('iam', [allow('*')])],
      false,
      Actions.users.create,
      'ep-a',
      false,
    ],
    [
      'deny and allow in one policy: deny wins',
      [grant('mixed', [deny('servicestage:package:*'), allow('*')])],
      false,
      Actions.package.get,
      'ep-a',
      false,
    ],
  ])('%s', (_name, grants, isAdmin, action, project, expected) => {
    // Rules cross NATS as JSON, so decide on the round-tripped rules.
    const rules = JSON.parse(JSON.stringify(compilePolicies(grants, isAdmin))) as AuthzRawRule[];
    expect(allows(buildAbility(rules), action, project)).toBe(expected);
  });

  it('throws on an action outside the catalog', () => {
    expect(() => allows(buildAbility([{ action: 'manage', subject: 'all' }]), 'servicestage:widget:get', 'ep-a')).toThrow(
      UnknownActionError,
    );
  });
});
