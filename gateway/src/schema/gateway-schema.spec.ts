import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type GraphQLObjectType } from 'graphql';

import { PERMISSION } from '../auth/permission.decorator';
import { GATEWAY_RESOLVERS } from '../resolvers';
import { buildGatewaySchema, printGatewaySchema } from './gateway-schema';

describe('the generated schema', () => {
  it('is checked in as gateway/schema.graphql (run `npm run schema` after changing a resolver)', async () => {
    const checkedIn = readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8');
    expect(checkedIn).toBe(await printGatewaySchema());
  });

  it('has a declared permission on every query and mutation', async () => {
    const schema = await buildGatewaySchema();
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(
      (type): type is GraphQLObjectType => type !== null && type !== undefined,
    );
    const undeclared: string[] = [];
    for (const root of roots) {
      for (const field of Object.keys(root.getFields())) {
        const method = GATEWAY_RESOLVERS.map(
          (resolver) => (resolver.prototype as unknown as Record<string, unknown>)[field],
        ).find((candidate): candidate is object => typeof candidate === 'function');
        if (!method || Reflect.getMetadata(PERMISSION, method) === undefined) undeclared.push(`${root.name}.${field}`);
      }
    }
    expect(undeclared).toEqual([]);
  });
});
