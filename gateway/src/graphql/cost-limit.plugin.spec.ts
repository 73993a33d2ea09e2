import { ApolloServer } from '@apollo/server';

import { costLimitPlugin } from './cost-limit.plugin';

const typeDefs = `
  type Item { id: ID! name: String! }
  type Query { items(first: Int): [Item!]! one: Item }
`;
const resolvers = { Query: { items: () => [], one: () => null } };

async function run(maxCost: number, query: string) {
  const server = new ApolloServer({ typeDefs, resolvers, plugins: [costLimitPlugin(maxCost)] });
  await server.start();
  try {
    const response = await server.executeOperation({ query });
    return response.body.kind === 'single' ? response.body.singleResult : undefined;
  } finally {
    await server.stop();
  }
}

describe('costLimitPlugin', () => {
  it('lets an operation within the budget through', async () => {
    const result = await run(3, '{ one { id name } }');
    expect(result?.errors).toBeUndefined();
  });

  it('refuses an operation over the budget with QUERY_TOO_COMPLEX', async () => {
    const result = await run(3, '{ one { id name } items { id name } }');
    expect(result?.errors?.[0]).toMatchObject({
      message: 'the operation costs 6; at most 3 is allowed',
      extensions: { code: 'QUERY_TOO_COMPLEX', cost: 6, maxCost: 3 },
    });
  });
});
