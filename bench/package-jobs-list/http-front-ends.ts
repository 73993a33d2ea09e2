import { createServer, type RequestListener, type Server } from 'node:http';

import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { ApolloDriver } from '@nestjs/apollo';
import type { INestApplication } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { NatsRpcClient } from '@stagecraft/messaging';
import Fastify from 'fastify';

import { graphQLContextFactory } from '../../gateway/src/gateway.module';
import { GRAPHQL_BODY_LIMIT_BYTES } from '../../gateway/src/graphql/direct-graphql-posts';
import { apolloFromNest } from '../../gateway/src/graphql/nest-apollo';

/**
 * The gateway's one Apollo server (its schema, plugins and context) behind three HTTP front ends,
 * for issue 16's "express against Fastify under Apollo":
 *
 * - `direct`: the gateway itself, which hands `POST /graphql` with a JSON body straight from
 *   Node's HTTP server to Apollo (gateway/src/graphql/direct-graphql-posts.ts);
 * - `express`: the gateway's own express app (Nest's, with Apollo's express integration), as
 *   every request went before the direct path and as other requests still go;
 * - `fastify`: Fastify 5 with `@as-integrations/fastify`, the integration @nestjs/apollo uses
 *   on Nest's Fastify platform, with the gateway's body limit.
 */
export type FrontEnd = 'direct' | 'express' | 'fastify';
export const FRONT_ENDS: readonly FrontEnd[] = ['direct', 'express', 'fastify'];

export interface FrontEnds {
  urls: Record<FrontEnd, string>;
  close(): Promise<void>;
}

export async function startFrontEnds(gateway: INestApplication, gatewayUrl: string): Promise<FrontEnds> {
  const apollo = apolloFromNest(gateway.get<GraphQLModule<ApolloDriver>>(GraphQLModule).graphQlAdapter.instance);
  const context = graphQLContextFactory(gateway.get(NatsRpcClient, { strict: false }));

  const express = createServer(gateway.getHttpAdapter().getInstance() as RequestListener);
  await new Promise<void>((resolve) => express.listen(0, '127.0.0.1', resolve));

  const fastify = Fastify({ bodyLimit: GRAPHQL_BODY_LIMIT_BYTES });
  fastify.post('/graphql', fastifyApolloHandler(apollo, { context: async (request) => context({ req: request.raw }) }));
  await fastify.listen({ port: 0, host: '127.0.0.1' });

  return {
    urls: { direct: gatewayUrl, express: `${urlOf(express)}/graphql`, fastify: `${urlOf(fastify.server)}/graphql` },
    close: async () => {
      express.closeAllConnections();
      await new Promise<void>((resolve) => express.close(() => resolve()));
      await fastify.close();
    },
  };
}

function urlOf(server: Server): string {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the server is not listening on a port');
  return `http://127.0.0.1:${address.port}`;
}
