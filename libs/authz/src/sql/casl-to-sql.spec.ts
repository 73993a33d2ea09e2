import { createMongoAbility } from '@casl/ability';

import { type AppAbility, type AuthzRawRule, buildAbility, compilePolicies } from '../policy-compiler';
import type { PolicyGrant } from '../policy-grant';
import { accessibleWhere, astToSqlWhere, type CaslAst, CaslToSqlError } from './casl-to-sql';

const COLUMNS = { enterpriseProjectId: 'job.enterprise_project_id' };
const COL = 'job.enterprise_project_id';

function where(rules: unknown[], columns: Record<string, string> = COLUMNS, prefix?: string) {
  return accessibleWhere(buildAbility(rules as AuthzRawRule[]), 'list', 'assembling', columns, prefix);
}
/** Raw rule trees for shapes the compiler never produces. */
const ast = (tree: object) => tree as unknown as CaslAst;
const field = (operator: string, value: unknown, name = 'enterpriseProjectId') => ({ operator, field: name, value });

describe('accessibleWhere', () => {
  it.each<[string, unknown[], { sql: string; params: Record<string, unknown> } | null]>([
    ['no rules: no access', [], null],
    ['rules for another action only: no access', [{ action: 'get', subject: 'assembling' }], null],
    ['rules for another resource only: no access', [{ action: 'list', subject: 'cluster' }], null],
    ['administrator: unconditional', [{ action: 'manage', subject: 'all' }], { sql: 'TRUE', params: {} }],
    ['unconditional can', [{ action: 'list', subject: 'assembling' }], { sql: 'TRUE', params: {} }],
    [
      'scoped can',
      [{ action: 'list', subject: 'assembling', conditions: { enterpriseProjectId: { $in: ['a', 'b'] } } }],
      { sql: `${COL} IN (:...authz_0)`, params: { authz_0: ['a', 'b'] } },
    ],
    [
      'equality condition',
      [{ action: 'list', subject: 'assembling', conditions: { enterpriseProjectId: 'a' } }],
      { sql: `${COL} = :authz_0`, params: { authz_0: 'a' } },
    ],
    [
      'can everywhere, cannot in b',
      [
        { action: 'list', subject: 'assembling' },
        { action: 'list', subject: 'assembling', inverted: true, conditions: { enterpriseProjectId: { $in: ['b'] } } },
      ],
      { sql: `((${COL} IN (:...authz_0)) IS NOT TRUE)`, params: { authz_0: ['b'] } },
    ],
    [
      'cannot everywhere after scoped cans: no access',
      [
        { action: 'list', subject: 'assembling', conditions: { enterpriseProjectId: { $in: ['a'] } } },
        { action: 'list', subject: 'assembling', inverted: true },
      ],
      null,
    ],
    [
      'two scoped cans and a scoped cannot',
      [
        { action: 'list', subject: 'assembling', conditions: { enterpriseProjectId: { $in: ['a', 'b'] } } },
        { action: 'list', subject: 'assembling', conditions: { enterpriseProjectId: { $in: ['c'] } } },
        { action: 'list', subject: 'assembling', inverted: true, conditions: { enterpriseProjectId: { $in: ['b'] } } },
      ],
      {
        sql:
          `((${COL} IN (:...authz_0) AND ((${COL} IN (:...authz_1)) IS NOT TRUE))` +
          ` OR (${COL} IN (:...authz_2) AND ((${COL} IN (:...authz_3)) IS NOT TRUE)))`,
        params: { authz_0: ['c'], authz_1: ['b'], authz_2: ['a', 'b'], authz_3: ['b'] },
      },
    ],
    [
      'several fields in one condition',
      [{ action: 'list', subject: 'assembling', conditions: { enterpriseProjectId: 'a', ownerId: { $in: ['u'] } } }],
      { sql: `(${COL} = :authz_0 AND job.owner_id IN (:...authz_1))`, params: { authz_0: 'a', authz_1: ['u'] } },
    ],
    [
      'an empty $in matches nothing: no access',
      [{ action: 'list', subject: 'assembling', conditions: { enterpriseProjectId: { $in: [] } } }],
      null,
    ],
  ])('%s', (_name, rules, expected) => {
    expect(where(rules, { ...COLUMNS, ownerId: 'job.owner_id' })).toEqual(expected);
  });

  it('uses the compiler output as expected: deny after allow', () => {
    const grants: PolicyGrant[] = [
      {
        policy: { id: '1', name: 'dev', statements: [{ effect: 'ALLOW', actions: ['servicestage:*:*'] }] },
        enterpriseProjectIds: ['a', 'b'],
      },
      {
        policy: { id: '2', name: 'no-b', statements: [{ effect: 'DENY', actions: ['servicestage:assembling:list'] }] },
        enterpriseProjectIds: ['b'],
      },
    ];
    const ability = buildAbility(compilePolicies(grants, false));
    expect(accessibleWhere(ability, 'list', 'assembling', COLUMNS, 'job')).toEqual({
      sql: `(${COL} IN (:...job_0) AND ((${COL} IN (:...job_1)) IS NOT TRUE))`,
      params: { job_0: ['a', 'b'], job_1: ['b'] },
    });
    expect(accessibleWhere(ability, 'list', 'cluster', { enterpriseProjectId: 'cluster.ep' })).toEqual({
      sql: 'cluster.ep IN (:...authz_0)',
      params: { authz_0: ['a', 'b'] },
    });
  });

  it('names every parameter once, with the prefix', () => {
    const rules = ['a', 'b', 'c', 'd'].map((id, i) => ({
      action: 'list',
      subject: 'assembling',
      inverted: i % 2 === 1,
      conditions: { enterpriseProjectId: { $in: [id] } },
    }));
    const result = where(rules, COLUMNS, 'p');
    const names = [...result!.sql.matchAll(/:(?:\.\.\.)?([a-z0-9_]+)/gi)].map((m) => m[1]);
    expect(names).toEqual(Object.keys(result!.params));
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((n) => /^p_\d+$/.test(n))).toBe(true);
  });

  describe('fails closed', () => {
    it.each<[string, object]>([
      ['$ne', { enterpriseProjectId: { $ne: 'a' } }],
      ['$nin', { enterpriseProjectId: { $nin: ['a'] } }],
      ['$regex', { enterpriseProjectId: { $regex: '^a' } }],
      ['$exists', { enterpriseProjectId: { $exists: true } }],
      ['$gt', { enterpriseProjectId: { $gt: 'a' } }],
      ['$elemMatch', { enterpriseProjectId: { $elemMatch: { $eq: 'a' } } }],
      // CASL 7's matcher has no top-level operators: it reads these as field names.
      ['$or', { $or: [{ enterpriseProjectId: 'a' }] }],
      ['$nor', { $nor: [{ enterpriseProjectId: 'a' }] }],
      ['$not', { enterpriseProjectId: { $not: { $eq: 'a' } } }],
      ['a field with no column', { ownerId: 'u1' }],
      ['a nested field', { 'project.id': 'a' }],
      ['a prototype name as field', { constructor: 'a' }],
      ['a null value', { enterpriseProjectId: null }],
      ['an object value', { enterpriseProjectId: { $eq: { id: 'a' } } }],
      ['an array in $eq', { enterpriseProjectId: { $eq: ['a'] } }],
      ['a null in $in', { enterpriseProjectId: { $in: ['a', null] } }],
    ])('throws on %s, also inside an inverted rule', (_name, conditions) => {
      const can = { action: 'list', subject: 'assembling', conditions };
      expect(() => where([can])).toThrow(CaslToSqlError);
      expect(() =>
        where([
          { action: 'list', subject: 'assembling' },
          { ...can, inverted: true },
        ]),
      ).toThrow(CaslToSqlError);
    });

    it('throws on field-restricted rules, which rulesToAST would widen', () => {
      expect(() =>
        where([
          { action: 'list', subject: 'assembling' },
          { action: 'list', subject: 'assembling', fields: ['secret'], inverted: true },
        ]),
      ).toThrow('restricted to fields');
    });

    it.each(['job.enterprise_project_id; DROP TABLE job', '"job"."ep"', 'a.b.c', '', '1job.ep', 'job.ep--'])(
      'rejects column %j',
      (column) => {
        expect(() => where([{ action: 'list', subject: 'assembling' }], { enterpriseProjectId: column })).toThrow(CaslToSqlError);
        expect(() => where([], { enterpriseProjectId: column })).toThrow(CaslToSqlError);
      },
    );

    it('accepts [alias.]column identifiers', () => {
      const rules = [{ action: 'list', subject: 'assembling', conditions: { enterpriseProjectId: 'a' } }];
      expect(where(rules, { enterpriseProjectId: 'enterprise_project_id' })?.sql).toBe('enterprise_project_id = :authz_0');
      expect(where(rules, { enterpriseProjectId: 'job.enterpriseProjectId' })?.sql).toBe('job.enterpriseProjectId = :authz_0');
    });

    it.each(['', 'a-b', ':x', 'x y'])('rejects parameter prefix %j', (prefix) => {
      expect(() => where([{ action: 'list', subject: 'assembling' }], COLUMNS, prefix)).toThrow(CaslToSqlError);
    });
  });
});

describe('astToSqlWhere', () => {
  it.each<[string, object, { sql: string; params: Record<string, unknown> } | null]>([
    ['empty and is TRUE', { operator: 'and', value: [] }, { sql: 'TRUE', params: {} }],
    ['empty or is no access', { operator: 'or', value: [] }, null],
    ['not of FALSE is TRUE', { operator: 'not', value: [{ operator: 'or', value: [] }] }, { sql: 'TRUE', params: {} }],
    ['not of TRUE is no access', { operator: 'not', value: [{ operator: 'and', value: [] }] }, null],
    [
      'FALSE inside and drops the whole and, and its parameters',
      { operator: 'or', value: [{ operator: 'and', value: [field('eq', 'x'), field('in', [])] }, field('eq', 'y')] },
      { sql: `${COL} = :authz_0`, params: { authz_0: 'y' } },
    ],
    [
      'TRUE inside or is unconditional',
      { operator: 'or', value: [field('eq', 'x'), { operator: 'and', value: [] }] },
      { sql: 'TRUE', params: {} },
    ],
    [
      'nested not',
      { operator: 'not', value: [{ operator: 'or', value: [field('eq', 'x'), field('eq', 1)] }] },
      { sql: `((${COL} = :authz_0 OR ${COL} = :authz_1) IS NOT TRUE)`, params: { authz_0: 'x', authz_1: 1 } },
    ],
  ])('%s', (_name, tree, expected) => {
    expect(astToSqlWhere(ast(tree), COLUMNS)).toEqual(expected);
  });

  it.each<[string, object]>([
    ['unknown compound operator', { operator: 'nor', value: [field('eq', 'x')] }],
    ['not with two children', { operator: 'not', value: [field('eq', 'x'), field('eq', 'y')] }],
    ['not without a list', { operator: 'not', value: field('eq', 'x') }],
    ['and carrying a field', { operator: 'and', field: 'enterpriseProjectId', value: [] }],
    ['eq without a field', { operator: 'eq', value: 'x' }],
    ['in without an array', field('in', 'x')],
    ['a NaN value', field('eq', Number.NaN)],
    ['a non-condition child', { operator: 'and', value: [null] }],
    [
      'an unknown operator deep inside a branch that folds away',
      { operator: 'and', value: [{ operator: 'or', value: [] }, field('ne', 'x')] },
    ],
  ])('throws on %s', (_name, tree) => {
    expect(() => astToSqlWhere(ast(tree), COLUMNS)).toThrow(CaslToSqlError);
  });
});

describe('accessibleWhere typing', () => {
  it('takes the app ability built elsewhere from raw rules', () => {
    const ability: AppAbility = createMongoAbility<AppAbility>([{ action: 'list', subject: 'package' }]);
    expect(accessibleWhere(ability, 'list', 'package', { enterpriseProjectId: 'p.ep' })).toEqual({ sql: 'TRUE', params: {} });
  });
});
