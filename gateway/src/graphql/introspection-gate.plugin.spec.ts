import { ApolloServer } from '@apollo/server';
import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';

import type { GraphQLContext } from '../auth/request-context';
import { asksForSchema, introspectionGatePlugin } from './introspection-gate.plugin';

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { hello: { type: GraphQLString, resolve: () => 'hi' } } }),
});

async function run(query: string, token: string | undefined) {
  const checked: (string | undefined)[] = [];
  const server = new ApolloServer<GraphQLContext>({
    schema,
    plugins: [
      introspectionGatePlugin(async (context) => {
        checked.push(context.token);
        return context.token === 'good';
      }),
    ],
  });
  await server.start();
  try {
    const response = await server.executeOperation(
      { query },
      { contextValue: { requestContext: { token, correlationId: 'c' } } as GraphQLContext },
    );
    return { result: response.body.kind === 'single' ? response.body.singleResult : undefined, checked };
  } finally {
    await server.stop();
  }
}

describe('introspectionGatePlugin', () => {
  it.each([
    '{ __schema { queryType { name } } }',
    '{ __type(name: "Query") { name } }',
    'query { hello ...F } fragment F on Query { __schema { types { name } } }',
  ])('refuses %s without a valid token', async (query) => {
    for (const token of [undefined, 'bad']) {
      const { result } = await run(query, token);
      expect(result?.data).toBeUndefined();
      expect(result?.errors).toEqual([
        expect.objectContaining({ message: 'introspection needs a signed-in caller', extensions: { code: 'UNAUTHENTICATED' } }),
      ]);
    }
    expect((await run(query, 'good')).result?.errors).toBeUndefined();
  });

  it('lets ordinary operations and __typename through without asking about the token', async () => {
    const { result, checked } = await run('{ hello __typename }', undefined);
    expect(result?.data).toEqual({ hello: 'hi', __typename: 'Query' });
    expect(checked).toEqual([]);
  });

  it('finds introspection anywhere in a document', () => {
    expect(asksForSchema(parse('{ hello }'))).toBe(false);
    expect(asksForSchema(parse('{ a: hello b: __typename }'))).toBe(false);
    expect(asksForSchema(parse('query { ...F } fragment F on Query { x { __type(name: "Q") { name } } }'))).toBe(true);
  });
});
