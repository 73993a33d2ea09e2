import type { ApolloServerPlugin } from '@apollo/server';

/**
 * Answers carry `Cache-Control: no-store`, as with Apollo's cache-control plugin when no field
 * sets a cache hint (none does here). That plugin is off: it adds a hook to every resolved field.
 */
export function noStorePlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (!response.http.headers.has('cache-control')) response.http.headers.set('cache-control', 'no-store');
        },
      };
    },
  };
}
