import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, GraphQLError } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

/** Costs kept per document for this many distinct (operation name, variables) pairs. */
const COSTS_PER_DOCUMENT = 64;

/**
 * Refuses operations whose estimated cost exceeds `maxCost`: each field costs 1 unless its
 * `complexity` extension says otherwise (list fields multiply by their page size).
 *
 * A cost depends only on the document, the operation name and the variables. Apollo hands the
 * same parsed document to every request with the same query text (its document cache), so the
 * cost is computed once per document and set of variables rather than walking it each time.
 */
export function costLimitPlugin(maxCost: number): ApolloServerPlugin {
  const costs = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          const key = JSON.stringify([request.operationName ?? null, request.variables ?? {}]);
          let known = costs.get(document);
          let cost = known?.get(key);
          if (cost === undefined) {
            cost = getComplexity({
              schema,
              query: document,
              operationName: request.operationName,
              variables: request.variables ?? {},
              estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            });
            if (!known) costs.set(document, (known = new Map()));
            // Oldest first: paging cursors make new variables on every page.
            if (known.size >= COSTS_PER_DOCUMENT) known.delete(known.keys().next().value!);
            known.set(key, cost);
          }
          if (cost > maxCost) {
            throw new GraphQLError(`the operation costs ${cost}; at most ${maxCost} is allowed`, {
              extensions: { code: 'QUERY_TOO_COMPLEX', cost, maxCost },
            });
          }
        },
      };
    },
  };
}
