import { ApolloServer } from '@apollo/server';
import { GraphQLID, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { getComplexity } from 'graphql-query-complexity';

import { costLimitPlugin } from './cost-limit.plugin';

jest.mock('graphql-query-complexity', () => {
  const actual = jest.requireActual<typeof import('graphql-query-complexity')>('graphql-query-complexity');
  return { ...actual, getComplexity: jest.fn(actual.getComplexity) };
});

const Item = new GraphQLObjectType({
  name: 'Item',
  fields: { id: { type: new GraphQLNonNull(GraphQLID) }, name: { type: new GraphQLNonNull(GraphQLString) } },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      // Like the gateway's pages: the page size multiplies the cost of an element.
      items: {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(Item))),
        args: { first: { type: GraphQLInt } },
        extensions: {
          complexity: ({ args, childComplexity }: { args: { first?: number }; childComplexity: number }) =>
            1 + (args.first ?? 1) * childComplexity,
        },
        resolve: () => [],
      },
      one: { type: Item, resolve: () => null },
    },
  }),
});

async function withServer<T>(maxCost: number, use: (server: ApolloServer) => Promise<T>): Promise<T> {
  const server = new ApolloServer({ schema, plugins: [costLimitPlugin(maxCost)] });
  await server.start();
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}

async function run(server: ApolloServer, query: string, variables?: Record<string, unknown>) {
  const response = await server.executeOperation({ query, variables });
  return response.body.kind === 'single' ? response.body.singleResult : undefined;
}

const PAGE = 'query Page($n: Int) { items(first: $n) { id name } }';

describe('costLimitPlugin', () => {
  beforeEach(() => jest.mocked(getComplexity).mockClear());

  it('lets an operation within the budget through', async () => {
    const result = await withServer(3, (server) => run(server, '{ one { id name } }'));
    expect(result?.errors).toBeUndefined();
  });

  it('refuses an operation over the budget with QUERY_TOO_COMPLEX', async () => {
    const result = await withServer(3, (server) => run(server, '{ one { id name } items { id name } }'));
    expect(result?.errors?.[0]).toMatchObject({
      message: 'the operation costs 6; at most 3 is allowed',
      extensions: { code: 'QUERY_TOO_COMPLEX', cost: 6, maxCost: 3 },
    });
  });

  it('computes the cost of a document once for the same variables', async () => {
    await withServer(100, async (server) => {
      for (let i = 0; i < 3; i += 1) expect((await run(server, PAGE, { n: 5 }))?.errors).toBeUndefined();
    });
    expect(getComplexity).toHaveBeenCalledTimes(1);
  });

  it('prices each set of variables on its own, also when a cheaper one was seen first', async () => {
    await withServer(30, async (server) => {
      expect((await run(server, PAGE, { n: 5 }))?.errors).toBeUndefined();
      expect((await run(server, PAGE, { n: 50 }))?.errors?.[0]).toMatchObject({
        message: 'the operation costs 101; at most 30 is allowed',
        extensions: { code: 'QUERY_TOO_COMPLEX' },
      });
      expect((await run(server, PAGE, { n: 5 }))?.errors).toBeUndefined();
      expect((await run(server, PAGE, { n: 50 }))?.errors?.[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX' } });
    });
    expect(getComplexity).toHaveBeenCalledTimes(2);
  });

  it('keeps a bounded number of costs per document', async () => {
    await withServer(1_000_000, async (server) => {
      for (let n = 1; n <= 70; n += 1) await run(server, PAGE, { n });
      jest.mocked(getComplexity).mockClear();
      await run(server, PAGE, { n: 70 }); // among the newest: still known
      await run(server, PAGE, { n: 1 }); // the oldest: dropped, priced again
    });
    expect(getComplexity).toHaveBeenCalledTimes(1);
  });
});

describe('costLimitPlugin with a budget of service calls', () => {
  const Job = new GraphQLObjectType({
    name: 'Job',
    fields: {
      id: { type: new GraphQLNonNull(GraphQLID) },
      // Resolved through a service, as a gateway @ServiceCall field.
      owner: { type: Item, extensions: { serviceCall: true }, resolve: () => null },
    },
  });
  const withCalls = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        job: { type: Job, args: { id: { type: GraphQLID } }, resolve: () => null },
        jobs: {
          type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(Job))),
          args: { first: { type: GraphQLInt } },
          extensions: {
            complexity: ({ args, childComplexity }: { args: { first?: number }; childComplexity: number }) =>
              1 + (args.first ?? 1) * childComplexity,
          },
          resolve: () => [],
        },
      },
    }),
  });

  async function runWith(maxCalls: number, query: string) {
    const server = new ApolloServer({ schema: withCalls, plugins: [costLimitPlugin(1_000_000, maxCalls)] });
    await server.start();
    try {
      const response = await server.executeOperation({ query });
      return response.body.kind === 'single' ? response.body.singleResult : undefined;
    } finally {
      await server.stop();
    }
  }
  const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: job(id: "1") { id }`).join(' ')} }`;

  it('counts each aliased root field as a call', async () => {
    expect((await runWith(10, aliases(10)))?.errors).toBeUndefined();
    expect((await runWith(10, aliases(11)))?.errors?.[0]).toMatchObject({
      message: 'the operation may make 11 service calls; at most 10 are allowed',
      extensions: { code: 'QUERY_TOO_COMPLEX', serviceCalls: 11, maxServiceCalls: 10 },
    });
  });

  it('counts a marked field once per element of a page, plain fields not at all', async () => {
    // 1 for the list, 5 × 1 for the owners; ids and names cost no call.
    expect((await runWith(6, '{ jobs(first: 5) { id owner { id name } } }'))?.errors).toBeUndefined();
    expect((await runWith(5, '{ jobs(first: 5) { id owner { id name } } }'))?.errors?.[0]).toMatchObject({
      extensions: { code: 'QUERY_TOO_COMPLEX', serviceCalls: 6 },
    });
    expect((await runWith(1, '{ jobs(first: 50) { id } }'))?.errors).toBeUndefined();
  });
});
