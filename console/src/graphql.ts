import { initGraphQLTada } from 'gql.tada';

import type { introspection } from './graphql-env.d.ts';

/**
 * Typed operations from gateway/schema.graphql: `npm run build` regenerates graphql-env.d.ts
 * (gql.tada), and a spec fails when the committed one is stale.
 */
export const graphql = initGraphQLTada<{
  // Fragments share field lists between operations here, not data between components.
  disableMasking: true;
  introspection: introspection;
  scalars: { DateTime: string; JSON: unknown };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from 'gql.tada';
export { readFragment } from 'gql.tada';
