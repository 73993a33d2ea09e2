import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';

import { noStorePlugin } from './no-store.plugin';

describe('noStorePlugin', () => {
  it.each([
    ['an answer', '{ one }'],
    ['an error', '{ missing }'],
  ])('marks %s no-store, with Apollo’s cache-control plugin off', async (_what, query) => {
    const server = new ApolloServer({
      typeDefs: 'type Query { one: Int }',
      resolvers: { Query: { one: () => 1 } },
      plugins: [noStorePlugin(), ApolloServerPluginCacheControlDisabled()],
    });
    await server.start();
    try {
      const response = await server.executeOperation({ query });
      expect(response.http.headers.get('cache-control')).toBe('no-store');
    } finally {
      await server.stop();
    }
  });
});
