import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, GraphQLError, Kind, visit } from 'graphql';

import type { GraphQLContext, RequestContext } from '../auth/request-context';

/** Whether a request's token belongs to a signed-in caller (valid, unexpired, not revoked). */
export type SignedInCheck = (requestContext: RequestContext) => Promise<boolean>;

/**
 * Refuses introspection (`__schema`, `__type`) to a caller without a valid token, before any
 * resolver runs: the schema is for signed-in users. In production Apollo's `introspection: false`
 * refuses it to everyone; this gate is for the other modes. `__typename` stays open.
 */
export function introspectionGatePlugin(signedIn: SignedInCheck): ApolloServerPlugin<GraphQLContext> {
  const asking = new WeakMap<DocumentNode, boolean>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue }) {
          let introspects = asking.get(document);
          if (introspects === undefined) asking.set(document, (introspects = asksForSchema(document)));
          if (introspects && !(await signedIn(contextValue.requestContext))) {
            throw new GraphQLError('introspection needs a signed-in caller', { extensions: { code: 'UNAUTHENTICATED' } });
          }
        },
      };
    },
  };
}

export function asksForSchema(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.FIELD](node) {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  return found;
}
