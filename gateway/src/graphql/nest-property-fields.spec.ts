import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';
import {
  Field,
  GraphQLSchemaBuilderModule,
  GraphQLSchemaFactory,
  Int,
  ObjectType,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { execute as graphqlJsExecute, type GraphQLObjectType, type GraphQLSchema, parse } from 'graphql';

import { buildGatewaySchema } from '../schema/gateway-schema';
import { execute } from './execute';
import { declareNestPropertyFields } from './nest-property-fields';

@ObjectType()
class Thing {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true, defaultValue: 'none' })
  note?: string | null;

  @Field(() => Int, { name: 'total' })
  count!: number;
}

@Resolver(() => Thing)
class ThingResolver {
  @Query(() => [Thing])
  things(): Thing[] {
    return [];
  }

  @ResolveField(() => String)
  shout(@Parent() thing: Thing): string {
    return thing.name.toUpperCase();
  }
}

async function nestSchema(): Promise<GraphQLSchema> {
  const app = await NestFactory.create(GraphQLSchemaBuilderModule, { logger: false });
  await app.init();
  try {
    return await app.get(GraphQLSchemaFactory).create([ThingResolver]);
  } finally {
    await app.close();
  }
}

describe('declareNestPropertyFields', () => {
  it('declares the fields Nest resolves by reading a property (default value and schema name included), and no other', async () => {
    const schema = await nestSchema();
    const thing = schema.getType('Thing') as GraphQLObjectType;
    thing.getFields().shout.resolve = (source) => (source as Thing).name.toUpperCase();
    (schema.getQueryType() as GraphQLObjectType).getFields().things.resolve = () => [
      { name: 'ada', note: 'first', count: 1 },
      { name: 'grace', count: 2 },
      { name: 'linus', note: null, count: 3, total: 99 },
    ];

    // Nest's schema factory also builds every other type it knows of (the gateway's, loaded by this file).
    const declared = declareNestPropertyFields(schema).filter((field) => field.startsWith('Thing.'));
    expect(declared.sort()).toEqual(['Thing.name', 'Thing.note', 'Thing.total']);

    const document = parse('{ things { name note total shout } }');
    const ours = await execute({ schema, document });
    expect(JSON.parse(JSON.stringify(ours))).toEqual(JSON.parse(JSON.stringify(await graphqlJsExecute({ schema, document }))));
    expect(ours).toEqual({
      data: {
        things: [
          { name: 'ada', note: 'first', total: 1, shout: 'ADA' },
          { name: 'grace', note: 'none', total: 2, shout: 'GRACE' },
          { name: 'linus', note: null, total: 3, shout: 'LINUS' },
        ],
      },
    });
  });

  it("declares the plain fields of the gateway's own schema, as a page of jobs asks for them", async () => {
    const declared = declareNestPropertyFields(await buildGatewaySchema());
    expect(declared).toEqual(
      expect.arrayContaining([
        'PackageJob.id',
        'PackageJob.name',
        'PackageJob.createdAt',
        'PackageJob.version',
        'PackageJobEdge.cursor',
        'PageInfo.hasNextPage',
        'PageInfo.endCursor',
      ]),
    );
    // Objects and lists are completed the whole way; only scalars and enums are read straight off.
    expect(declared).not.toContain('PackageJobEdge.node');
    expect(declared).not.toContain('PackageJobConnection.edges');
  });
});
