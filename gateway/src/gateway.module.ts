import type { IncomingMessage } from 'node:http';

import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, ModuleRef } from '@nestjs/core';
import { GraphQLModule, GraphQLSchemaHost } from '@nestjs/graphql';
import { AuthzModule, CallerResolver } from '@stagecraft/authz';
import { MessagingModule, NatsRpcClient } from '@stagecraft/messaging';
import { ObservabilityModule } from '@stagecraft/observability';
import type { WebSocket } from 'ws';

import { PackageContentController } from './artifacts/package-content.controller';
import { GqlAuthGuard } from './auth/gql-auth.guard';
import { type GraphQLContext, type RequestContext, requestContextFromHeaders } from './auth/request-context';
import { BuildEventFeed } from './builds/build-event.feed';
import { GatewayConfig } from './config';
import { executorGateway } from './graphql/apollo-executor';
import { costLimitPlugin } from './graphql/cost-limit.plugin';
import { depthLimitRule } from './graphql/depth-limit.rule';
import { formatError } from './graphql/format-error';
import { batchFramesPerTurn } from './graphql/frame-batching';
import { GraphQLErrorFilter } from './graphql/graphql-error.filter';
import { introspectionGatePlugin, type SignedInCheck } from './graphql/introspection-gate.plugin';
import { createLoaders } from './graphql/loaders';
import { pluginsForNest } from './graphql/nest-apollo';
import { declareNestPropertyFields } from './graphql/nest-property-fields';
import { noStorePlugin } from './graphql/no-store.plugin';
import { DateTimeScalar } from './graphql/scalars';
import { sharedSubscriptionExecution } from './graphql/shared-subscription-execution';
import { HealthController } from './health/health.controller';
import { RegistryTokenController } from './registry/registry-token.controller';
import { GATEWAY_RESOLVERS } from './resolvers';

@Module({})
export class GatewayModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    const production = config.NODE_ENV === 'production';
    return {
      module: GatewayModule,
      imports: [
        {
          module: GatewayConfigModule,
          global: true,
          providers: [{ provide: GatewayConfig, useValue: config }],
          exports: [GatewayConfig],
        },
        MessagingModule.forRoot({
          name: 'gateway',
          nats: config,
          requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
        }),
        AuthzModule.forCallers(),
        ObservabilityModule,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [NatsRpcClient, ModuleRef],
          useFactory: (client: NatsRpcClient, modules: ModuleRef) => ({
            // The checked-in gateway/schema.graphql is written by `npm run schema` and checked by a test.
            autoSchemaFile: true,
            sortSchema: true,
            buildSchemaOptions: { scalarsMap: [{ type: Date, scalar: DateTimeScalar }] },
            // Queries and mutations over HTTP run on graphql/execute.ts, given to Apollo as a gateway's
            // executor, on the schema Nest built (and Nest's own plain fields declared to it);
            // subscriptions on graphql-js's own.
            gateway: executorGateway(() => {
              const { schema } = modules.get(GraphQLSchemaHost, { strict: false });
              declareNestPropertyFields(schema);
              return schema;
            }),
            // Introspection: never in production, elsewhere only for a signed-in caller (the gate
            // below); GraphiQL only in development, its page only for a signed-in caller (start-gateway).
            introspection: !production,
            playground: false,
            graphiql: config.NODE_ENV === 'development',
            // No "Did you mean …" in validation errors: they would spell the schema out to anyone.
            hideSchemaDetailsFromClientErrors: true,
            includeStacktraceInErrorResponses: false,
            validationRules: [depthLimitRule(config.GRAPHQL_MAX_DEPTH)],
            // No field sets a cache hint: Apollo's cache-control plugin would only add a hook to every
            // resolved field to end up at `no-store`, which noStorePlugin sets once per answer.
            plugins: pluginsForNest<GraphQLContext>([
              introspectionGatePlugin(signedInCheck(() => modules.get(CallerResolver, { strict: false }))),
              costLimitPlugin(config.GRAPHQL_MAX_COST, config.GRAPHQL_MAX_SERVICE_CALLS),
              noStorePlugin(),
              ApolloServerPluginCacheControlDisabled(),
            ]),
            formatError,
            // graphql-ws: the token comes in the connection parameters, as browsers cannot set headers there.
            // Frames of one event-loop turn leave in one write (graphql/frame-batching.ts); an event's
            // selection is executed once for the subscribers that get the same answer, the caller
            // being the token (graphql/shared-subscription-execution.ts).
            subscriptions: {
              'graphql-ws': {
                onConnect: ({ extra }) => batchFramesPerTurn((extra as { socket: WebSocket }).socket),
                subscribe: sharedSubscriptionExecution((context) => (context as GraphQLContext).requestContext.token),
              },
            },
            context: graphQLContextFactory(client),
          }),
        }),
      ],
      controllers: [HealthController, PackageContentController, RegistryTokenController],
      providers: [
        ...GATEWAY_RESOLVERS,
        BuildEventFeed,
        { provide: APP_GUARD, useClass: GqlAuthGuard },
        { provide: APP_FILTER, useClass: GraphQLErrorFilter },
      ],
    };
  }
}

@Module({})
class GatewayConfigModule {}

/** Each operation's context: over HTTP from the request's headers, over graphql-ws from the connection parameters. */
export function graphQLContextFactory(client: NatsRpcClient) {
  return (arg: { req?: IncomingMessage; connectionParams?: Record<string, unknown> }): GraphQLContext => {
    const requestContext = arg.req
      ? requestContextFromHeaders(arg.req.headers.authorization, stringOf(arg.req.headers['x-correlation-id']))
      : requestContextFromHeaders(stringOf(arg.connectionParams?.authorization), stringOf(arg.connectionParams?.correlationId));
    return { req: arg.req, requestContext, loaders: createLoaders(client, requestContext) };
  };
}

/** Signed in: the token verifies and is not revoked, as the auth guard decides for every operation. */
export function signedInCheck(callers: () => CallerResolver): SignedInCheck {
  return (requestContext: RequestContext) =>
    requestContext.token
      ? callers()
          .resolve({ token: requestContext.token, correlationId: requestContext.correlationId })
          .then(
            () => true,
            () => false,
          )
      : Promise.resolve(false);
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
