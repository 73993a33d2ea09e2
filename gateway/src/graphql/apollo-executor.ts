import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';

import { execute } from './execute';

type ExecutorGateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];

/**
 * Has Apollo run operations with the gateway's `execute` (execute.ts) instead of graphql-js's.
 * Apollo takes an executor only from a gateway (the `gateway` option, which @nestjs/apollo passes
 * on): this one serves the schema Nest built, unchanged, and executes each operation in process
 * with the schema, document, context, variables and operation name Apollo would give graphql-js
 * (the gateway sets no root value, field resolver or execution options). Parsing, validation,
 * plugins, the context and error formatting stay Apollo's. `schema()` is read when Apollo starts.
 */
export function executorGateway(schema: () => GraphQLSchema | undefined): ExecutorGateway {
  let listener: Parameters<ExecutorGateway['onSchemaLoadOrUpdate']>[0] | undefined;
  return {
    onSchemaLoadOrUpdate(callback) {
      listener = callback;
      return () => {
        listener = undefined;
      };
    },
    load() {
      const apiSchema = schema();
      if (!apiSchema) return Promise.reject(new Error('Apollo started before the schema was built'));
      // Apollo without a gateway reports no supergraph either.
      listener?.({ apiSchema, coreSupergraphSdl: '' });
      return Promise.resolve({
        executor: (requestContext) =>
          Promise.resolve(
            execute({
              schema: requestContext.schema,
              document: requestContext.document,
              contextValue: requestContext.context,
              variableValues: requestContext.request.variables,
              operationName: requestContext.request.operationName,
            }),
          ),
      });
    },
    stop: () => Promise.resolve(),
  };
}
