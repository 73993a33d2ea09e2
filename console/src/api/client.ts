import { cacheExchange, Client, fetchExchange, mapExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';

/** Dispatched on window when graphql-ws has connected again after losing its socket. */
export const RECONNECTED_EVENT = 'stagecraft:reconnected';

/**
 * One urql client per signed-in token: HTTP for queries and mutations, graphql-ws for the
 * subscriptions, both on this origin (the gateway serves the console), the token in the
 * Authorization header or the connection's parameters — never in a URL.
 */
export function createApiClient(token: string | null, onUnauthenticated: () => void): Client {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const ws = token
    ? createWsClient({
        url: wsUrl,
        connectionParams: { authorization: `Bearer ${token}` },
        // A build page left open rides out a gateway restart: graphql-ws reconnects, and the
        // subscriptions resume from what they last saw (afterSequence, offset).
        retryAttempts: Infinity,
        shouldRetry: () => true,
        lazy: true,
        on: { connected: (_socket, _payload, wasRetry) => wasRetry && window.dispatchEvent(new Event(RECONNECTED_EVENT)) },
      })
    : null;
  return new Client({
    url: '/graphql',
    // POST only: Apollo refuses a GET without a preflight-forcing header (CSRF prevention), and
    // a query in the URL would land in access logs.
    preferGetMethod: false,
    // Every answer is per caller and changes under other users: ask each view's data fresh.
    requestPolicy: 'cache-and-network',
    fetchOptions: (): RequestInit => (token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    exchanges: [
      cacheExchange,
      unauthenticatedExchangeHook(onUnauthenticated),
      fetchExchange,
      ...(ws
        ? [
            subscriptionExchange({
              forwardSubscription: (request) => ({
                subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
              }),
            }),
          ]
        : []),
    ],
  });
}

/** An expired or revoked token: back to the sign-in page, as the flow asks. */
function unauthenticatedExchangeHook(onUnauthenticated: () => void) {
  return mapExchange({
    onResult(result) {
      if (result.error?.graphQLErrors.some((error) => error.extensions?.['code'] === 'UNAUTHENTICATED')) onUnauthenticated();
      return result;
    },
  });
}
