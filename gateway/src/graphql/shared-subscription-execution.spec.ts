import { type ExecutionResult, GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';

import { reachesServiceCall, sharedSubscriptionExecution } from './shared-subscription-execution';

interface Context {
  user: string;
  /** What this subscriber's source stream yields (its own filtering already applied). */
  events: AsyncIterable<object>;
}

/** A schema whose counters say how often each field was resolved. */
function testSchema() {
  const calls = { resolve: 0, owner: 0 };
  const Event = new GraphQLObjectType({
    name: 'Event',
    fields: {
      n: { type: GraphQLInt },
      // Asks a service as the caller: its answer differs per caller.
      owner: {
        type: GraphQLString,
        extensions: { serviceCall: true },
        resolve: (_event, _args, context: Context) => {
          calls.owner++;
          return `seen by ${context.user}`;
        },
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        events: {
          type: Event,
          args: { tag: { type: GraphQLString } },
          subscribe: (_root, _args, context: Context) => context.events,
          resolve: (event: object) => {
            calls.resolve++;
            return event;
          },
        },
      },
    }),
  });
  return { schema, calls };
}

/** An async iterable that yields what is pushed to it, and records whether it was ended. */
function pushable() {
  const queue: object[] = [];
  let waiting: ((result: IteratorResult<object>) => void) | undefined;
  const state = { returned: false };
  const iterable: AsyncIterable<object> = {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        queue.length > 0
          ? Promise.resolve({ value: queue.shift()!, done: false })
          : new Promise<IteratorResult<object>>((resolve) => (waiting = resolve)),
      return: async () => {
        state.returned = true;
        waiting?.({ value: undefined, done: true });
        return { value: undefined, done: true };
      },
    }),
  };
  const push = (value: object) => {
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve({ value, done: false });
    } else queue.push(value);
  };
  return { iterable, push, state };
}

async function subscribeWith(
  subscribe: ReturnType<typeof sharedSubscriptionExecution>,
  schema: GraphQLSchema,
  query: string,
  context: Context,
  variableValues?: Record<string, unknown>,
) {
  const result = await subscribe({ schema, document: parse(query), contextValue: context, variableValues });
  if (!(Symbol.asyncIterator in result)) throw new Error(JSON.stringify(result));
  return (result as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
}

const byToken = (context: unknown) => (context as Context).user;

describe('sharedSubscriptionExecution', () => {
  it('executes an event once for subscriptions of the same document and variables, whatever the caller', async () => {
    const { schema, calls } = testSchema();
    const subscribe = sharedSubscriptionExecution(byToken);
    const sources = [pushable(), pushable(), pushable()];
    const subscriptions = await Promise.all(
      sources.map((source, i) =>
        subscribeWith(subscribe, schema, 'subscription { events { n } }', { user: `u${i}`, events: source.iterable }),
      ),
    );
    const event = { n: 7 };
    for (const source of sources) source.push(event);
    const results = await Promise.all(subscriptions.map((subscription) => subscription.next()));
    expect(results.map((result) => result.value)).toEqual([
      { data: { events: { n: 7 } } },
      { data: { events: { n: 7 } } },
      { data: { events: { n: 7 } } },
    ]);
    expect(calls.resolve).toBe(1);
  });

  it('shares a selection that asks a service only between subscriptions of the same caller', async () => {
    const { schema, calls } = testSchema();
    const subscribe = sharedSubscriptionExecution(byToken);
    const users = ['ann', 'ann', 'bob'];
    const sources = users.map(() => pushable());
    const subscriptions = await Promise.all(
      sources.map((source, i) =>
        subscribeWith(subscribe, schema, 'subscription { events { n owner } }', { user: users[i], events: source.iterable }),
      ),
    );
    const event = { n: 1 };
    for (const source of sources) source.push(event);
    const results = await Promise.all(subscriptions.map((subscription) => subscription.next()));
    expect(results.map((result) => (result.value as ExecutionResult).data)).toEqual([
      { events: { n: 1, owner: 'seen by ann' } },
      { events: { n: 1, owner: 'seen by ann' } },
      { events: { n: 1, owner: 'seen by bob' } },
    ]);
    expect(calls.owner).toBe(2);
  });

  it('executes separately for other variables, for distinct event objects, and without a caller key', async () => {
    const { schema, calls } = testSchema();
    const subscribe = sharedSubscriptionExecution((context) => ((context as Context).user === 'anon' ? undefined : 'k'));
    const query = 'subscription S($tag: String) { events(tag: $tag) { n owner } }';
    const sources = [pushable(), pushable(), pushable(), pushable()];
    const subscriptions = [
      await subscribeWith(subscribe, schema, query, { user: 'a', events: sources[0].iterable }, { tag: 'x' }),
      await subscribeWith(subscribe, schema, query, { user: 'a', events: sources[1].iterable }, { tag: 'y' }),
      await subscribeWith(subscribe, schema, query, { user: 'a', events: sources[2].iterable }, { tag: 'x' }),
      await subscribeWith(subscribe, schema, query, { user: 'anon', events: sources[3].iterable }, { tag: 'x' }),
    ];
    const event = { n: 2 };
    sources[0].push(event);
    sources[1].push(event);
    sources[2].push({ n: 2 }); // equal, but not the same object: no sharing
    sources[3].push(event);
    await Promise.all(subscriptions.map((subscription) => subscription.next()));
    expect(calls.resolve).toBe(4);
  });

  it('hands each subscriber only what its own source yields (its rights check stays its own)', async () => {
    const { schema } = testSchema();
    const subscribe = sharedSubscriptionExecution(byToken);
    const [allowed, denied] = [pushable(), pushable()];
    const first = await subscribeWith(subscribe, schema, 'subscription { events { n } }', {
      user: 'a',
      events: allowed.iterable,
    });
    const second = await subscribeWith(subscribe, schema, 'subscription { events { n } }', {
      user: 'b',
      events: denied.iterable,
    });
    const [one, two] = [{ n: 1 }, { n: 2 }];
    allowed.push(one);
    allowed.push(two);
    denied.push(two); // its source filtered event 1 out
    expect((await first.next()).value).toEqual({ data: { events: { n: 1 } } });
    expect((await first.next()).value).toEqual({ data: { events: { n: 2 } } });
    expect((await second.next()).value).toEqual({ data: { events: { n: 2 } } });
  });

  it('ends the source at once when the subscription ends while waiting for an event', async () => {
    const { schema } = testSchema();
    const source = pushable();
    const subscription = await subscribeWith(sharedSubscriptionExecution(byToken), schema, 'subscription { events { n } }', {
      user: 'a',
      events: source.iterable,
    });
    const waiting = subscription.next();
    await subscription.return!();
    expect(source.state.returned).toBe(true);
    await expect(waiting).resolves.toEqual({ value: undefined, done: true });
  });

  it('answers a subscribe resolver that fails (e.g. forbidden) as a result with its error, as graphql.subscribe does', async () => {
    const { schema } = testSchema();
    const context = {
      user: 'a',
      get events(): AsyncIterable<object> {
        throw new Error('not allowed');
      },
    };
    const result = await sharedSubscriptionExecution(byToken)({
      schema,
      document: parse('subscription { events { n } }'),
      contextValue: context,
    });
    expect(result).toMatchObject({ errors: [expect.objectContaining({ message: 'not allowed' })] });
  });
});

describe('reachesServiceCall', () => {
  it.each([
    ['subscription { events { n } }', false],
    ['subscription { events { n owner } }', true],
    ['subscription { events { ...F } } fragment F on Event { owner }', true],
  ])('%s → %s', (query, expected) => {
    expect(reachesServiceCall(testSchema().schema, parse(query))).toBe(expected);
  });
});
