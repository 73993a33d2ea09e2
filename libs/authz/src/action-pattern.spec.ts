import { ACTION_CATALOG } from './action-catalog';
import {
  ActionPatternError,
  type ActionPatternProblem,
  actionsMatchedBy,
  expandActionPattern,
  validateStatements,
} from './action-pattern';

const ALL_NAMES = ACTION_CATALOG.map((d) => d.name);

describe('expandActionPattern', () => {
  it.each<[string, string[]]>([
    ['*', ALL_NAMES],
    ['servicestage:assembling:create', ['servicestage:assembling:create']],
    [
      'servicestage:assembling:*',
      [
        'servicestage:assembling:get',
        'servicestage:assembling:list',
        'servicestage:assembling:create',
        'servicestage:assembling:modify',
        'servicestage:assembling:delete',
      ],
    ],
    ['servicestage:*:get', ['servicestage:assembling:get', 'servicestage:package:get', 'servicestage:cluster:get']],
    ['servicestage:assembling:mod*', ['servicestage:assembling:modify']],
    ['servicestage:assembling:get*', ['servicestage:assembling:get']],
    ['servicestage:*:c*', ['servicestage:assembling:create', 'servicestage:package:create', 'servicestage:cluster:create']],
    [
      'servicestage:pack*:*',
      ['servicestage:package:get', 'servicestage:package:list', 'servicestage:package:create', 'servicestage:package:delete'],
    ],
    ['*:*:explain', ['iam:permissions:explain']],
    ['iam:access*:*', ['iam:accessKeys:create', 'iam:accessKeys:modify', 'iam:accessKeys:delete']],
    ['servicestage:*:*', ALL_NAMES.filter((n) => n.startsWith('servicestage:'))],
    ['i*:*:*', ALL_NAMES.filter((n) => n.startsWith('iam:'))],
  ])('%s matches %j', (pattern, expected) => {
    expect(expandActionPattern(pattern).map((d) => d.name)).toEqual(expected);
  });

  it.each<[string, ActionPatternProblem]>([
    ['', 'EMPTY'],
    ['servicestage:assembling', 'SEGMENT_COUNT'],
    ['servicestage:assembling:get:extra', 'SEGMENT_COUNT'],
    ['servicestage', 'SEGMENT_COUNT'],
    ['servicestage:*', 'SEGMENT_COUNT'],
    ['**', 'DOUBLE_WILDCARD'],
    ['servicestage:assembling:**', 'DOUBLE_WILDCARD'],
    ['servicestage:assembling:cre*te', 'INNER_WILDCARD'],
    ['servicestage:*assembling:get', 'INNER_WILDCARD'],
    ['servicestage:a*b*:get', 'INNER_WILDCARD'],
    ['servicestage::get', 'EMPTY_SEGMENT'],
    [':assembling:get', 'EMPTY_SEGMENT'],
    ['servicestage:assembling-jobs:get', 'INVALID_CHARACTER'],
    ['servicestage:assembling:get ', 'INVALID_CHARACTER'],
    ['servicestage.assembling.get', 'INVALID_CHARACTER'],
    ['servicestage:assembling:?et', 'INVALID_CHARACTER'],
    ['servicestage:assembling:gét', 'INVALID_CHARACTER'],
    ['servicestage:widget:get', 'UNKNOWN_ACTION'],
    ['servicestage:assembling:explain', 'UNKNOWN_ACTION'],
    ['servicestage:Assembling:get', 'UNKNOWN_ACTION'],
    ['servicestage:package:modify', 'UNKNOWN_ACTION'],
    ['ecs:*:*', 'UNKNOWN_ACTION'],
  ])('rejects %j (%s)', (pattern, problem) => {
    let thrown: unknown;
    try {
      expandActionPattern(pattern);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ActionPatternError);
    expect((thrown as ActionPatternError).problem).toBe(problem);
    expect((thrown as ActionPatternError).pattern).toBe(pattern);
    expect((thrown as Error).message).toContain(`"${pattern}"`);
  });

  it('explains the rule in the message', () => {
    expect(() => expandActionPattern('servicestage:assembling:cre*te')).toThrow(
      'action pattern "servicestage:assembling:cre*te" is invalid: "*" may only end a segment (e.g. "mod*"), not start or split it',
    );
    expect(() => expandActionPattern('servicestage:widget:get')).toThrow(
      'action pattern "servicestage:widget:get" is invalid: it matches no known action',
    );
  });
});

describe('actionsMatchedBy', () => {
  it('returns nothing (without throwing) for a well-formed pattern outside the catalog', () => {
    expect(actionsMatchedBy('servicestage:widget:get')).toEqual([]);
  });

  it('still throws on bad syntax', () => {
    expect(() => actionsMatchedBy('servicestage:widget')).toThrow(ActionPatternError);
  });
});

describe('validateStatements', () => {
  it('accepts valid statements', () => {
    expect(
      validateStatements([
        { effect: 'ALLOW', actions: ['servicestage:*:*'] },
        { effect: 'DENY', actions: ['servicestage:assembling:create', 'servicestage:assembling:mod*'] },
      ]),
    ).toBeNull();
    expect(validateStatements([])).toBeNull();
  });

  it.each([
    {
      statements: [
        { effect: 'ALLOW', actions: ['*'] },
        { effect: 'DENY', actions: ['servicestage:assembling:create', 'servicestage:*assembling:get'] },
      ],
      expected: { index: 1, actionIndex: 1, field: 'statements[1].actions[1]' },
      message: '"servicestage:*assembling:get" is invalid',
    },
    {
      statements: [
        { effect: 'ALLOW', actions: ['servicestage:*:get'] },
        { effect: 'DENY', actions: [] },
      ],
      expected: { index: 1, actionIndex: null, field: 'statements[1].actions' },
      message: 'at least one action',
    },
    {
      statements: [
        { effect: 'ALLOW', actions: ['nope:nope:nope'] },
        { effect: 'DENY', actions: [] },
      ],
      expected: { index: 0, actionIndex: 0, field: 'statements[0].actions[0]' },
      message: 'matches no known action',
    },
    {
      statements: [{ effect: 'Allow', actions: ['*'] }],
      expected: { index: 0, actionIndex: null, field: 'statements[0].effect' },
      message: 'ALLOW or DENY',
    },
  ])('reports the first problem at $expected.field', ({ statements, expected, message }) => {
    const problem = validateStatements(statements);
    expect(problem).toMatchObject(expected);
    expect(problem?.message).toContain(message);
  });
});
