import {
  buildSchema,
  execute as graphqlJsExecute,
  type ExecutionResult,
  getIntrospectionQuery,
  type GraphQLEnumType,
  type GraphQLFieldResolver,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  type GraphQLScalarType,
  type GraphQLSchema,
  type GraphQLUnionType,
  parse,
  validate,
} from 'graphql';

import { declarePropertyRead, execute } from './execute';

/**
 * The gateway's executor against graphql-js's own, operation by operation: the same answer
 * (data, errors with message, locations and path, in order) and the same resolvers called with
 * the same arguments in the same order.
 */
describe('execute (graphql/execute.ts) answers as graphql-js does', () => {
  const SDL = `
    scalar Instant
    enum Colour { RED GREEN }
    interface Named { name: String! }
    type Job implements Named { id: ID! name: String! createdAt: Instant! version: Int colour: Colour tags: [String!] owner: Person }
    type Person implements Named { name: String! nickname: String }
    union Anything = Job | Person
    type Edge { cursor: String! node: Job! }
    type Page { edges: [Edge!]! hasNextPage: Boolean! endCursor: String }
    type Query {
      page(first: Int = 2): Page!
      maybePage(fail: Boolean): Page
      job(id: ID!): Job
      named: [Named!]!
      anything: [Anything]
      grid: [[Int]]
      nonNullGrid: [[Int!]!]
      fromSet: [String]
      notAList: [String]
      greeting(name: String = "world"): String
      people: [Person!]!
      throwingResolver: String
      errorValue: Job
      badInstant: Instant
      nullInstant: Instant
      wrongObject: Person
      badType: Named
      unknownType: Named
      slowFailure: Job!
    }
    type Mutation { first: Int second: Int third: Int! }
  `;
  let calls: string[];

  function schemaWithResolvers(): GraphQLSchema {
    const schema = buildSchema(SDL);
    const job = (n: number, extra: Record<string, unknown> = {}) => ({
      id: `job-${n}`,
      name: `job ${n}`,
      createdAt: new Date(Date.UTC(2026, 0, n)),
      version: n,
      colour: n % 2 ? 'RED' : 'GREEN',
      tags: n % 2 ? ['a', 'b'] : null,
      owner: n === 2 ? { name: 'ada', nickname: null } : null,
      ...extra,
    });
    const instant = schema.getType('Instant') as GraphQLScalarType;
    instant.serialize = (value) => {
      if (value instanceof Date) return value.toISOString();
      if (value === 'NULL') return null;
      throw new TypeError(`Instant cannot represent ${String(value)}`);
    };
    (schema.getType('Colour') as GraphQLEnumType).getValues();
    (schema.getType('Named') as GraphQLInterfaceType).resolveType = (value) =>
      'id' in (value as object) ? 'Job' : (value as { kind?: string }).kind === 'bad' ? 'Nope' : 'Person';
    (schema.getType('Anything') as GraphQLUnionType).resolveType = (value) =>
      Promise.resolve('id' in (value as object) ? 'Job' : 'Person');
    (schema.getType('Person') as GraphQLObjectType).isTypeOf = (value) => typeof (value as { name?: unknown }).name === 'string';
    const query = (schema.getQueryType() as GraphQLObjectType).getFields();
    const resolve = (name: string, fn: GraphQLFieldResolver<unknown, unknown>) => {
      query[name].resolve = (source, args, context, info) => {
        calls.push(`${info.parentType.name}.${name}(${JSON.stringify(args)}) at ${JSON.stringify(info.path)}`);
        return fn(source, args, context, info);
      };
    };
    resolve('page', (_s, args) =>
      Promise.resolve({
        edges: Array.from({ length: args.first as number }, (_, i) => ({ cursor: `c${i + 1}`, node: job(i + 1) })),
        hasNextPage: true,
        endCursor: `c${args.first as number}`,
      }),
    );
    resolve('maybePage', (_s, args) =>
      args.fail ? { edges: [{ cursor: 'c1', node: job(1, { name: null }) }], hasNextPage: false } : null,
    );
    resolve('job', (_s, args) => (args.id === 'missing' ? null : job(Number(String(args.id).replace('job-', '')))));
    resolve('named', () => [job(3), { name: 'grace' }, { kind: 'bad', name: 'x' }]);
    resolve('anything', () => [job(4), { name: 'linus' }, null]);
    resolve('grid', () => [[1, null], null, [3]]);
    resolve('nonNullGrid', () => [[1, 2], [null]]);
    resolve('fromSet', () => new Set(['x', 'y']));
    resolve('notAList', () => 'nope');
    resolve('greeting', (_s, args) => `hello ${args.name as string}`);
    resolve('people', () => [
      {
        name: 'ada',
        // A method, which the default resolver calls; each read of it is logged.
        get nickname() {
          calls.push('Person.nickname read');
          return (args: unknown, _context: unknown, info: { fieldName: string }) =>
            `countess ${JSON.stringify(args)} ${info.fieldName}`;
        },
      },
      {
        name: 'grace',
        get nickname(): string {
          throw new Error('no nickname today');
        },
      },
      {
        get name() {
          calls.push('Person.name read');
          return 'linus';
        },
        nickname: null,
      },
    ]);
    resolve('throwingResolver', () => {
      throw new Error('no getter today');
    });
    resolve('errorValue', () => job(5, { version: new Error('version unreadable') }));
    resolve('badInstant', () => 'not a date');
    resolve('nullInstant', () => 'NULL');
    resolve('wrongObject', () => ({ nickname: 'no name' }));
    resolve('badType', () => ({ kind: 'bad', name: 'x' }));
    resolve('unknownType', () => ({}));
    resolve('slowFailure', () => Promise.reject(new Error('the service went away')));
    const mutation = (schema.getMutationType() as GraphQLObjectType).getFields();
    for (const [name, value] of [
      ['first', 1],
      ['second', 2],
      ['third', null],
    ] as const) {
      mutation[name].resolve = async () => {
        calls.push(`Mutation.${name} started`);
        await new Promise((resolve) => setTimeout(resolve, name === 'first' ? 5 : 0));
        calls.push(`Mutation.${name} done`);
        return value;
      };
    }
    return schema;
  }

  /** Runs the operation on one executor with fresh resolvers: its answer as JSON and the calls made. */
  async function run(
    executor: typeof execute,
    source: string,
    variableValues?: Record<string, unknown> | null,
    operationName?: string,
  ): Promise<{ answer: unknown; calls: string[] }> {
    calls = [];
    const schema = schemaWithResolvers();
    const document = parse(source);
    expect(validate(schema, document)).toEqual([]);
    const result: ExecutionResult = await executor({ schema, document, variableValues, operationName, contextValue: {} });
    return { answer: JSON.parse(JSON.stringify(result)), calls };
  }

  const job = `id name createdAt version colour tags owner { name nickname }`;
  it.each(
    [
      ['a page of plain fields', `{ page { edges { cursor node { ${job} } } hasNextPage endCursor } }`],
      ['arguments and aliases', `{ two: page(first: 2) { edges { node { id } } } three: page(first: 3) { hasNextPage } }`],
      [
        'fragments, inline fragments and __typename',
        `{ page { __typename ...P } } fragment P on Page { edges { ... on Edge { node { __typename ...J } } } } fragment J on Job { id name }`,
      ],
      [
        'variables, @skip and @include',
        `query Q($n: Int, $s: Boolean!) { page(first: $n) { edges @include(if: $s) { cursor } hasNextPage @skip(if: $s) } }`,
        { n: 3, s: true },
      ],
      [
        'a non-null field that is null, nulling its nearest nullable parent',
        `{ maybePage(fail: true) { edges { node { id name } } } job(id: "job-1") { id } }`,
      ],
      ['a null answer and a missing job', `{ maybePage { hasNextPage } job(id: "missing") { id } }`],
      ['interfaces and unions, resolved and refused', `{ named { name ... on Job { id } } }`],
      ['a union resolved by a promise, with a null item', `{ anything { __typename ... on Job { id } ... on Person { name } } }`],
      ['nested lists, nullable and not', `{ grid nonNullGrid }`],
      ['an iterable that is not an array, and a value that is not a list', `{ fromSet notAList }`],
      ['a default argument', `{ greeting a: greeting(name: "ada") }`],
      ['methods and getters of the parent, read by the default resolver', `{ people { name nickname } }`],
      ['a resolver that throws and a value that is an Error', `{ throwingResolver errorValue { id version name } }`],
      ['a scalar that refuses its value or serializes to null', `{ badInstant nullInstant }`],
      ['an object its isTypeOf refuses', `{ wrongObject { name } }`],
      ['abstract types resolved to a missing or no type', `{ badType { name } unknownType { name } }`],
      ['a rejected non-null root field', `{ slowFailure { id } page(first: 1) { hasNextPage } }`],
      ['an alias spelt __proto__', `{ __proto__: page(first: 1) { __proto__: hasNextPage edges { node { __proto__: id } } } }`],
      ['introspection', getIntrospectionQuery()],
      ['mutations, one after the other', `mutation { a: first b: second c: third d: first }`],
      ['a variable of the wrong type', `query Q($n: Int) { page(first: $n) { hasNextPage } }`, { n: 'three' }],
      ['a missing required variable', `query Q($id: ID!) { job(id: $id) { id } }`, {}],
    ].map(([what, source, variables]) => [what, source, variables ?? null]) as [string, string, Record<string, unknown> | null][],
  )(
    '%s',
    // Every row has its variables (null for none): a shorter row would have jest pass a done callback in their place.
    async (_what, source, variables) => {
      const ours = await run(execute, source, variables);
      const theirs = await run(graphqlJsExecute, source, variables);
      expect(ours).toEqual(theirs);
    },
  );

  it.each([
    ['an unknown operation name', 'Nope'],
    ['no operation name among several', undefined],
    ['the named one among several', 'B'],
  ])('%s', async (_what, operationName) => {
    const source = `query A { greeting } query B { page(first: 1) { hasNextPage } }`;
    const ours = await run(execute, source, undefined, operationName);
    expect(ours).toEqual(await run(graphqlJsExecute, source, undefined, operationName));
  });

  it('keeps an alias spelt __proto__ as a key of the answer, not a prototype', async () => {
    calls = [];
    const result = (await execute({
      schema: schemaWithResolvers(),
      document: parse(`{ __proto__: greeting page(first: 1) { hasNextPage } }`),
    })) as ExecutionResult;
    expect(Object.keys(result.data!)).toEqual(['__proto__', 'page']);
    expect(JSON.stringify(result.data)).toBe('{"__proto__":"hello world","page":{"hasNextPage":true}}');
    expect(Object.getPrototypeOf(result.data!.page)).toBe(Object.prototype);
  });
});

describe('execute: fields declared to read a property', () => {
  const schema = () => {
    const built = buildSchema(`type Query { thing: Thing } type Thing { name: String note: String }`);
    (built.getQueryType() as GraphQLObjectType).getFields().thing.resolve = () => ({ name: 'ada' });
    return built;
  };

  it('reads the property, and the default value for undefined, without calling the resolver', async () => {
    const built = schema();
    const note = (built.getType('Thing') as GraphQLObjectType).getFields().note;
    const resolver = jest.fn(() => 'called');
    note.resolve = resolver;
    declarePropertyRead(note, { resolver, property: 'note', defaultValue: 'none' });
    expect(await execute({ schema: built, document: parse('{ thing { name note } }') })).toEqual({
      data: { thing: { name: 'ada', note: 'none' } },
    });
    expect(resolver).not.toHaveBeenCalled();
  });

  it('calls the resolver the field has now when another was declared (a plugin wrapped it)', async () => {
    const built = schema();
    const note = (built.getType('Thing') as GraphQLObjectType).getFields().note;
    declarePropertyRead(note, { resolver: () => 'declared', property: 'note', defaultValue: 'none' });
    note.resolve = () => 'wrapped';
    expect(await execute({ schema: built, document: parse('{ thing { note } }') })).toEqual({
      data: { thing: { note: 'wrapped' } },
    });
  });
});
