import {
  createSourceEventStream,
  type DocumentNode,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';

type PromiseOrValue<T> = T | Promise<T>;

/**
 * graphql-ws's `subscribe` (its documented replacement for graphql's): executes a subscription's
 * selection once per event for every subscription that would get the same answer, instead of once
 * per subscriber.
 *
 * What each subscriber receives is still decided by its own source stream (its resolver's
 * generator, with its rights check per event); only the execution of the selection on an event it
 * was given is shared. Two subscriptions share a result when their streams yield the SAME object
 * (a resolver opts in by handing one object per event to all its subscribers), with the same
 * document, operation and variables, and, when the selection reaches a field that asks a service
 * with the caller's rights (`@ServiceCall`, the `serviceCall` extension), the same caller
 * (`callerKeyOf`). Without any such field the answer depends on the event alone: every
 * `@ResolveField` is marked either a service call or a field computed from its parent, and a test
 * enforces it (service-call.decorator.spec.ts). A shared execution runs with the context of the
 * subscription that reached the event first (same token, so the same rights).
 */
export function sharedSubscriptionExecution(callerKeyOf: (contextValue: unknown) => string | undefined) {
  const results = new WeakMap<object, Map<string, PromiseOrValue<ExecutionResult>>>();
  const callerDependent = new WeakMap<DocumentNode, boolean>();

  return async function subscribe(args: ExecutionArgs): Promise<AsyncIterable<ExecutionResult> | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    let dependsOnCaller = callerDependent.get(args.document);
    if (dependsOnCaller === undefined) {
      dependsOnCaller = reachesServiceCall(args.schema, args.document);
      callerDependent.set(args.document, dependsOnCaller);
    }
    const caller = dependsOnCaller ? callerKeyOf(args.contextValue) : '';
    const executeOn = (payload: unknown) => execute({ ...args, rootValue: payload });
    if (caller === undefined) return mapAsyncIterator(source, executeOn);
    // Each subscriber's own document object (graphql-ws parses every subscription): key by its text.
    const key = JSON.stringify([caller, args.operationName ?? null, print(args.document), args.variableValues ?? null]);
    return mapAsyncIterator(source, (payload) => {
      if (typeof payload !== 'object' || payload === null) return executeOn(payload);
      let byKey = results.get(payload);
      if (!byKey) results.set(payload, (byKey = new Map()));
      let result = byKey.get(key);
      if (result === undefined) byKey.set(key, (result = executeOn(payload)));
      return result;
    });
  };
}

/** Whether the document selects a field that asks a service as the caller (its answer may differ per caller). */
export function reachesServiceCall(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let found = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const extensions = typeInfo.getFieldDef()?.extensions as Record<string, unknown> | undefined;
        if (extensions?.serviceCall === true) found = true;
      },
    }),
  );
  return found;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}

/**
 * As graphql's own (not exported) mapAsyncIterator: `return()` reaches the source at once, even
 * while a `next()` waits for its next event (an async generator would wait for that event).
 */
function mapAsyncIterator<T, R>(iterable: AsyncIterable<T>, map: (value: T) => PromiseOrValue<R>): AsyncGenerator<R, void, void> {
  const iterator = iterable[Symbol.asyncIterator]();
  async function mapResult(result: IteratorResult<T>): Promise<IteratorResult<R, void>> {
    if (result.done) return { value: undefined, done: true };
    try {
      return { value: await map(result.value), done: false };
    } catch (error) {
      await iterator.return?.().catch(() => undefined);
      throw error;
    }
  }
  return {
    async next() {
      return mapResult(await iterator.next());
    },
    async return() {
      return iterator.return ? mapResult(await iterator.return()) : { value: undefined, done: true };
    },
    async throw(error: unknown) {
      if (iterator.throw) return mapResult(await iterator.throw(error));
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
    async [Symbol.asyncDispose]() {
      await this.return();
    },
  };
}
