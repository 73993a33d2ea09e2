import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, GraphQLError, type GraphQLSchema } from 'graphql';
import { type ComplexityEstimator, fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

/** Costs kept per document for this many distinct (operation name, variables) pairs. */
const COSTS_PER_DOCUMENT = 64;

interface Price {
  cost: number;
  serviceCalls?: number;
}

/**
 * Refuses, before any resolver runs, operations whose estimated cost exceeds `maxCost` (each
 * field costs 1 unless its `complexity` extension says otherwise; list fields multiply by their
 * page size) or, when `maxServiceCalls` is given, that could make more service calls than that
 * (see serviceCallEstimator): both are QUERY_TOO_COMPLEX.
 *
 * A cost depends only on the document, the operation name and the variables. Apollo hands the
 * same parsed document to every request with the same query text (its document cache), so the
 * cost is computed once per document and set of variables rather than walking it each time.
 */
export function costLimitPlugin(maxCost: number, maxServiceCalls?: number): ApolloServerPlugin {
  const prices = new WeakMap<DocumentNode, Map<string, Price>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          const key = JSON.stringify([request.operationName ?? null, request.variables ?? {}]);
          let known = prices.get(document);
          let price = known?.get(key);
          if (price === undefined) {
            const measure = (estimators: ComplexityEstimator[]) =>
              getComplexity({
                schema,
                query: document,
                operationName: request.operationName,
                variables: request.variables ?? {},
                estimators,
              });
            price = {
              cost: measure([fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })]),
              serviceCalls: maxServiceCalls === undefined ? undefined : measure([serviceCallEstimator(schema)]),
            };
            if (!known) prices.set(document, (known = new Map()));
            // Oldest first: paging cursors make new variables on every page.
            if (known.size >= COSTS_PER_DOCUMENT) known.delete(known.keys().next().value!);
            known.set(key, price);
          }
          const { cost, serviceCalls } = price;
          if (maxServiceCalls !== undefined && serviceCalls !== undefined && serviceCalls > maxServiceCalls) {
            throw new GraphQLError(
              `the operation may make ${serviceCalls} service calls; at most ${maxServiceCalls} are allowed`,
              {
                extensions: { code: 'QUERY_TOO_COMPLEX', serviceCalls, maxServiceCalls },
              },
            );
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

/**
 * The most service (NATS) calls a field can lead to. A field makes one when it is a root query
 * or mutation, or carries the `serviceCall` extension (@ServiceCall on every gateway
 * @ResolveField); plain data fields make none. Aliases count one by one, and a page field
 * (one with a `complexity` extension: 1 + page size × an element) multiplies what its elements
 * ask. Loaders that batch (projects, users, last builds) are counted per element: an upper bound.
 */
export function serviceCallEstimator(schema: GraphQLSchema): ComplexityEstimator {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
  return (options) => {
    const { type, field, childComplexity } = options;
    const page: unknown = field.extensions?.complexity;
    if (typeof page === 'function') return (page as (args: typeof options) => number)(options);
    const own = roots.has(type as never) || field.extensions?.serviceCall === true ? 1 : 0;
    return own + childComplexity;
  };
}
