import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';

import { DateTimeScalar } from '../graphql/scalars';
import { GATEWAY_RESOLVERS } from '../resolvers';

const HEADER = '# Generated from the gateway resolvers by `npm run schema`; a test fails when it is stale.\n\n';

/** The schema the gateway serves, built from the same resolvers without starting a server. */
export async function buildGatewaySchema(): Promise<GraphQLSchema> {
  const app = await NestFactory.create(GraphQLSchemaBuilderModule, { logger: false });
  await app.init();
  try {
    const schema = await app.get(GraphQLSchemaFactory).create(GATEWAY_RESOLVERS, {
      scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    });
    return lexicographicSortSchema(schema);
  } finally {
    await app.close();
  }
}

export async function printGatewaySchema(): Promise<string> {
  return HEADER + printSchema(await buildGatewaySchema()) + '\n';
}
