import { GATEWAY_RESOLVERS } from '../resolvers';
import { buildGatewaySchema } from '../schema/gateway-schema';
import { LOCAL_FIELD, SERVICE_CALL } from './service-call.decorator';

/** Nest's own mark on a @ResolveField method (@nestjs/graphql's graphql.constants). */
const RESOLVE_PROPERTY = 'graphql:resolve_property';

describe('@ServiceCall', () => {
  it('marks every @ResolveField of the gateway that asks a service, so the service-call budget counts it', () => {
    const fields: string[] = [];
    const unmarked: string[] = [];
    const locals: string[] = [];
    for (const resolver of GATEWAY_RESOLVERS) {
      const prototype = resolver.prototype as unknown as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const method = prototype[name];
        if (typeof method !== 'function' || Reflect.getMetadata(RESOLVE_PROPERTY, method) !== true) continue;
        fields.push(`${resolver.name}.${name}`);
        const local = Reflect.getMetadata(LOCAL_FIELD, method) === true;
        const call = Reflect.getMetadata(SERVICE_CALL, method) === true;
        // Each says which it is: a service call, or a field computed from its parent alone (never both).
        if (local === call) unmarked.push(`${resolver.name}.${name}`);
        if (local) locals.push(`${resolver.name}.${name}`);
      }
    }
    expect(fields.length).toBeGreaterThanOrEqual(10);
    expect(unmarked).toEqual([]);
    expect(locals.sort()).toEqual([
      'BuildsResolver.durationSeconds',
      'BuildsResolver.pullCommand',
      'PackageJobsResolver.pullCommand',
    ]);
  });

  it('reaches the served schema as the serviceCall extension', async () => {
    const schema = await buildGatewaySchema();
    const marked = Object.values(schema.getTypeMap())
      .flatMap((type) =>
        ('getFields' in type && !type.name.startsWith('__') ? Object.values(type.getFields()) : []).map(
          (field) => [type.name, field] as const,
        ),
      )
      .filter(([, field]) => (field.extensions as Record<string, unknown> | undefined)?.serviceCall === true)
      .map(([type, field]) => `${type}.${field.name}`);
    expect(marked).toEqual(
      expect.arrayContaining([
        'Build.job',
        'Build.triggeredBy',
        'PackageJob.package',
        'PackageJob.cluster',
        'PackageJob.lastBuild',
      ]),
    );
    expect(marked).not.toContain('PackageJob.id');
  });
});
