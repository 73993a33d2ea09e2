import type { ApolloDriver } from '@nestjs/apollo';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { CallerResolver } from '@stagecraft/authz';
import { NatsConnectionStatus, NatsRpcClient } from '@stagecraft/messaging';
import { createNestLogger, logHttpRequests, ObservabilityShutdown, startObservabilityServer } from '@stagecraft/observability';

import type { GatewayConfig } from './config';
import { serveConsole } from './console/console-assets';
import { GatewayModule, graphQLContextFactory, signedInCheck } from './gateway.module';
import { answerGraphQLPostsDirectly, GRAPHQL_BODY_LIMIT_BYTES } from './graphql/direct-graphql-posts';
import { landingPageGate } from './graphql/landing-page.gate';
import { apolloFromNest } from './graphql/nest-apollo';
import { serviceHealth } from './health/health.controller';

/** Starts the gateway: used by main.ts, the dev launcher and in-process tests. */
export async function startGateway(
  config: GatewayConfig,
  logger?: LoggerService | LogLevel[] | false,
): Promise<INestApplication> {
  // The default: pino JSON lines (docs/observability.md#logs), given as an instance so Nest's boot
  // lines go through it from the first one. Tests pass `false`, Nest's level names or their own.
  const processLogger = logger === undefined ? createNestLogger('gateway', config) : undefined;
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forConfig(config), {
    logger: logger ?? processLogger,
    bodyParser: false,
  });
  // JSON only: GraphQL comes as JSON, a package as a raw stream; Nest's default would also run a
  // form (urlencoded) parser on every request, for a body type nothing here accepts.
  app.useBodyParser('json', { limit: GRAPHQL_BODY_LIMIT_BYTES });
  // Every answer is per caller and `no-store` (see noStorePlugin): an ETag could never be used to
  // revalidate one, and express would hash each body to make it. X-Powered-By only tells the world
  // what runs here (and the direct path below would not send it).
  app.set('etag', false);
  app.disable('x-powered-by');
  app.enableShutdownHooks();
  // Before Apollo's own middleware (registered by init): GraphiQL's page only for a signed-in caller.
  if (config.NODE_ENV === 'development')
    app.use(
      landingPageGate(
        '/graphql',
        signedInCheck(() => app.get(CallerResolver)),
      ),
    );
  if (config.CONSOLE_DIR) serveConsole(app, config.CONSOLE_DIR);
  await app.init(); // Apollo starts here
  answerGraphQLPostsDirectly({
    server: app.getHttpServer(),
    express: app.getHttpAdapter().getInstance(),
    apollo: apolloFromNest(app.get<GraphQLModule<ApolloDriver>>(GraphQLModule).graphQlAdapter.instance),
    path: '/graphql',
    context: graphQLContextFactory(app.get(NatsRpcClient)),
  });
  // After the direct GraphQL path is in place: its requests are logged too (at debug only).
  if (processLogger) logHttpRequests(app.getHttpServer(), processLogger.pino);
  await app.listen(config.PORT, config.HOST);
  if (config.OBSERVABILITY_PORT) await serveObservability(app, config);
  return app;
}

/**
 * /metrics, /healthz and /readyz on a port of their own, apart from the API (docs/observability.md).
 * Ready: NATS connected and the services /health asks (SERVICES) answering, as /health says; a
 * gateway without iam can authenticate nothing.
 */
async function serveObservability(app: INestApplication, config: GatewayConfig): Promise<void> {
  const nats = app.get(NatsConnectionStatus);
  const client = app.get(NatsRpcClient);
  const services = config.SERVICES.split(',').map(
    (name) =>
      [
        name,
        async () => {
          const health = await serviceHealth(client, name);
          return health.status === 'ok' ? null : (health.detail ?? 'unavailable');
        },
      ] as const,
  );
  const server = await startObservabilityServer({
    port: config.OBSERVABILITY_PORT,
    host: config.OBSERVABILITY_HOST,
    readiness: { nats: async () => nats.problem(), ...Object.fromEntries(services) },
  });
  app.get(ObservabilityShutdown).closeOnShutdown(server);
}
