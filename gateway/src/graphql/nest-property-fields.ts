import { getNullableType, type GraphQLFieldResolver, type GraphQLSchema, isLeafType, isObjectType } from 'graphql';

import { declarePropertyRead, type PropertyRead } from './execute';

/**
 * Nest gives every `@Field` of an `@ObjectType` a resolver of its own that reads the class's
 * property and answers the field's `defaultValue` when it is undefined (`rootFieldResolver` in
 * @nestjs/graphql's ObjectTypeDefinitionFactory). Each such resolver is tried once, on stand-in
 * parents that log what is read, and declared to the executor (execute.ts) only when it does
 * exactly that: one read of one property, the value answered as it is, and one fixed answer for
 * undefined. Resolvers of `@ResolveField`s and field middleware are other functions, and never
 * called here. Only scalar and enum fields without arguments are looked at: the executor reads
 * no other kind straight off. Answers the fields declared, as `Type.field`.
 */
export function declareNestPropertyFields(schema: GraphQLSchema): string[] {
  const declared: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length !== 0 || !field.resolve || !isLeafType(getNullableType(field.type))) continue;
      const read = propertyReadOf(field.resolve);
      if (!read) continue;
      declarePropertyRead(field, read);
      declared.push(`${type.name}.${field.name}`);
    }
  }
  return declared;
}

const NEST_PROPERTY_RESOLVER = 'rootFieldResolver';

function propertyReadOf(resolver: GraphQLFieldResolver<unknown, unknown>): PropertyRead | undefined {
  if (resolver.name !== NEST_PROPERTY_RESOLVER || resolver.length !== 1) return undefined;
  const value = Symbol('value');
  const present = tryOn(resolver, value);
  const absent = tryOn(resolver, undefined);
  if (!present || !absent || present.answer !== value) return undefined;
  const [property] = present.reads;
  if (present.reads.length !== 1 || typeof property !== 'string') return undefined;
  if (absent.reads.length !== 1 || absent.reads[0] !== property) return undefined;
  return { resolver, property, defaultValue: absent.answer };
}

/** Calls the resolver on a parent whose every property is `value`: what it read and answered, or nothing if it threw. */
function tryOn(
  resolver: GraphQLFieldResolver<unknown, unknown>,
  value: unknown,
): { reads: (string | symbol)[]; answer: unknown } | undefined {
  const reads: (string | symbol)[] = [];
  const parent = new Proxy(
    {},
    {
      get: (_target, key) => {
        reads.push(key);
        return value;
      },
    },
  );
  try {
    const answer: unknown = (resolver as (parent: unknown) => unknown)(parent);
    return { reads, answer };
  } catch {
    return undefined;
  }
}
