import { graphql, type GraphQLObjectType, type GraphQLSchema } from 'graphql';

import { buildGatewaySchema } from '../schema/gateway-schema';
import { selectedDtoKeys } from './selected-dto-keys';

const JOB_KEYS = new Set(['id', 'name', 'createdAt', 'version', 'archiveImage', 'enterpriseProjectId', 'packageId']);

/** What `packageJobs` would ask jobs for, in the gateway's own schema: its resolver is swapped for one that records it. */
async function keysAsked(schema: GraphQLSchema, query: string): Promise<string[] | null | undefined> {
  let asked: string[] | null | undefined;
  const field = (schema.getQueryType() as GraphQLObjectType).getFields().packageJobs;
  field.resolve = (_source, _args, _context, info) => {
    asked = selectedDtoKeys(info, ['edges', 'node'], JOB_KEYS);
    return { edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 };
  };
  const result = await graphql({ schema, source: query });
  expect(result.errors).toBeUndefined();
  return asked;
}

describe('selectedDtoKeys', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildGatewaySchema();
  });

  it.each([
    [
      'the plain fields a list shows',
      '{ packageJobs(first: 20) { edges { cursor node { id name createdAt version } } pageInfo { hasNextPage endCursor } } }',
      ['createdAt', 'id', 'name', 'version'],
    ],
    [
      'what its @ResolveFields declare they read',
      '{ packageJobs { edges { node { pullCommand enterpriseProject { name } buildRetention { keepSucceeded } } } } }',
      ['archiveImage', 'enterpriseProjectId', 'id'],
    ],
    ['nothing when no job is selected', '{ packageJobs { totalCount edges { cursor } } }', []],
    ['nothing for __typename', '{ packageJobs { edges { node { __typename } } } }', []],
    [
      'through aliases, fragments and inline fragments, @skip included',
      `{ packageJobs { e: edges { n: node { ...F ... on PackageJob { package { name } } } }
         edges { node { createdAt @skip(if: true) } } } }
       fragment F on PackageJob { label: name, ...G } fragment G on PackageJob { id }`,
      ['createdAt', 'id', 'name', 'packageId'],
    ],
    ['every key for a plain field not among the keys', '{ packageJobs { edges { node { id description } } } }', null],
    [
      'every key for a @ResolveField reading a key not among them',
      '{ packageJobs { edges { node { id cluster { name } } } } }',
      null,
    ],
  ])('asks for %s', async (_what, query, expected) => {
    expect(await keysAsked(schema, query)).toEqual(expected);
  });

  it('declares what each @ResolveField of PackageJob reads, so a list with one asks for keys, not every key', () => {
    const fields = Object.values((schema.getType('PackageJob') as GraphQLObjectType).getFields());
    const reads = Object.fromEntries(
      fields
        .filter((field) => field.extensions.serviceCall === true || field.extensions.localField === true)
        .map((field) => [field.name, field.extensions.reads]),
    );
    expect(reads).toEqual({
      buildRetention: ['id'],
      builds: ['id'],
      cluster: ['clusterId'],
      createdBy: ['createdBy'],
      enterpriseProject: ['enterpriseProjectId'],
      lastBuild: ['id'],
      package: ['packageId'],
      pullCommand: ['archiveImage'],
    });
  });
});
