import { buildSchema, parse, validate } from 'graphql';

import { depthLimitRule } from './depth-limit.rule';

const schema = buildSchema(`
  type Node { id: ID! child: Node }
  type Query { node: Node }
`);

function codes(query: string, maxDepth: number): unknown[] {
  return validate(schema, parse(query), [depthLimitRule(maxDepth)]).map((error) => error.extensions.code);
}

describe('depthLimitRule', () => {
  it.each([
    ['{ node { id } }', 2, []],
    ['{ node { child { id } } }', 2, ['QUERY_TOO_DEEP']],
    ['{ node { child { id } } }', 3, []],
    ['{ node { ...F } } fragment F on Node { child { child { id } } }', 3, ['QUERY_TOO_DEEP']],
    ['{ node { ... on Node { child { id } } } }', 3, []],
    ['{ __schema { types { fields { type { name } } } } }', 1, []],
  ])('%s at most %i levels → %j', (query, maxDepth, expected) => {
    expect(codes(query, maxDepth)).toEqual(expected);
  });

  it('says how deep the operation is and what is allowed', () => {
    const [error] = validate(schema, parse('{ node { child { child { id } } } }'), [depthLimitRule(2)]);
    expect(error.message).toBe('the operation is 4 levels deep; at most 2 are allowed');
  });
});
