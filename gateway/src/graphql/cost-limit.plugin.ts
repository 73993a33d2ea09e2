import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

/**
 * Refuses operations whose estimated cost exceeds `maxCost`: each field costs 1 unless its
 * `complexity` extension says otherwise (list fields multiply by their page size).
 */
export function costLimitPlugin(maxCost: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          const cost = getComplexity({
            schema,
            query: document,
            operationName: request.operationName,
            variables: request.variables ?? {},
            estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
          });
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
