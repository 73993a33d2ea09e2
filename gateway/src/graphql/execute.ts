import {
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  getArgumentValues,
  getNullableType,
  type GraphQLAbstractType,
  GraphQLError,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLLeafType,
  type GraphQLList,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  locatedError,
  type OperationDefinitionNode,
  OperationTypeNode,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields';
import {
  assertValidExecutionArguments,
  buildExecutionContext,
  buildResolveInfo,
  defaultFieldResolver,
  type ExecutionContext,
  getFieldDef,
} from 'graphql/execution/execute';
import { inspect } from 'graphql/jsutils/inspect';
import { isIterableObject } from 'graphql/jsutils/isIterableObject';
import { isPromise } from 'graphql/jsutils/isPromise';
import type { ObjMap } from 'graphql/jsutils/ObjMap';
import { addPath, type Path, pathToArray } from 'graphql/jsutils/Path';
import type { PromiseOrValue } from 'graphql/jsutils/PromiseOrValue';
import { promiseReduce } from 'graphql/jsutils/promiseReduce';

/**
 * graphql-js 16's `execute`, step for step (execution/execute.js of graphql 16.15): the same
 * data, the same errors with the same messages, paths and locations, in the same order, and the
 * same resolvers called with the same arguments in the same order, but for the property reads
 * below. Two things differ, neither visible in an answer:
 *
 * - A field of a scalar or enum type, without arguments, that only reads a property of its
 *   parent (most fields of a page: `id`, `name`, `createdAt`) is read straight off the parent,
 *   without the resolve info, the argument object and the path that graphql-js builds for every
 *   field and that only a resolver would look at; its path is built when it fails, for the error.
 *   Such a field has no resolver of its own (graphql-js's default resolver reads it), or one
 *   declared with `declarePropertyRead` (nest-property-fields.ts declares Nest's), which is then
 *   not called: the field is read as it would read it.
 * - Result objects are plain objects, not `Object.create(null)`: V8 keeps null-prototype objects
 *   in dictionary mode, and `JSON.stringify` of a page built from them took three times as long.
 *   A selection answering a `__proto__` key (an alias may be spelt so) gets a null-prototype
 *   object, where assigning the key cannot set a prototype.
 *
 * Used by Apollo for queries and mutations over HTTP (apollo-executor.ts); subscriptions keep
 * graphql-js's own.
 */
export function execute(args: ExecutionArgs): PromiseOrValue<ExecutionResult> {
  assertValidExecutionArguments(args.schema, args.document, args.variableValues);
  const exeContext = buildExecutionContext(args);
  if (!('schema' in exeContext)) return { errors: exeContext };
  const context: Context = Object.assign(exeContext, { subfields: new WeakMap() });
  try {
    const result = executeOperation(context, context.operation, args.rootValue);
    if (isPromise(result)) {
      return result.then(
        (data) => buildResponse(data, context.collectedErrors.errors),
        (error: GraphQLError) => {
          context.collectedErrors.add(error, undefined);
          return buildResponse(null, context.collectedErrors.errors);
        },
      );
    }
    return buildResponse(result, context.collectedErrors.errors);
  } catch (error) {
    context.collectedErrors.add(error as GraphQLError, undefined);
    return buildResponse(null, context.collectedErrors.errors);
  }
}

type Context = ExecutionContext & {
  /** graphql-js memoizes its subfield collection per (context, type, field nodes); so does this, on the context. */
  subfields: WeakMap<readonly FieldNode[], Map<GraphQLObjectType, Fields>>;
};

type Results = ObjMap<unknown>;

/** A selection set's fields by response name (an alias, else the field's name), as graphql-js collects them. */
type Fields = Map<string, readonly FieldNode[]>;

/** What a field's resolver does: read `property` of the parent, `defaultValue` when it is undefined. */
export interface PropertyRead {
  /** The resolver that does it: a field given another resolver since (by a plugin) is not read so. */
  resolver: GraphQLFieldResolver<unknown, unknown>;
  property: string;
  defaultValue: unknown;
}

/** How a plain field is read; graphql-js's default resolver (no resolver of the field's own) also calls a method. */
interface PlainRead extends Omit<PropertyRead, 'resolver'> {
  resolver: PropertyRead['resolver'] | undefined;
  callsMethods: boolean;
}

/** Each field's plain read, or null for a field that is not read so, found on first use. */
const plainReads = new WeakMap<GraphQLField<unknown, unknown>, PlainRead | null>();

/** Declares that `field`'s resolver does nothing but `read`: the field is then read without calling it. */
export function declarePropertyRead(field: GraphQLField<unknown, unknown>, read: PropertyRead): void {
  plainReads.set(field, isPlainShape(field) ? { ...read, callsMethods: false } : null);
}

function buildResponse(data: Results | null, errors: readonly GraphQLError[]): ExecutionResult {
  return errors.length === 0 ? { data } : { errors, data };
}

function executeOperation(context: Context, operation: OperationDefinitionNode, rootValue: unknown): PromiseOrValue<Results> {
  const rootType = context.schema.getRootType(operation.operation);
  if (rootType == null) {
    throw new GraphQLError(`Schema is not configured to execute ${operation.operation} operation.`, { nodes: operation });
  }
  const rootFields = collectFields(context.schema, context.fragments, context.variableValues, rootType, operation.selectionSet);
  return operation.operation === OperationTypeNode.MUTATION
    ? executeFieldsSerially(context, rootType, rootValue, undefined, rootFields)
    : executeFields(context, rootType, rootValue, undefined, rootFields);
}

function newResults(fields: Fields): Results {
  return fields.has('__proto__') ? Object.create(null) : {};
}

function executeFieldsSerially(
  context: Context,
  parentType: GraphQLObjectType,
  sourceValue: unknown,
  path: Path | undefined,
  fields: Fields,
): PromiseOrValue<Results> {
  return promiseReduce(
    fields.entries(),
    (results, [responseName, fieldNodes]) => {
      const fieldPath = addPath(path, responseName, parentType.name);
      const result = executeField(context, parentType, sourceValue, fieldNodes, fieldPath);
      if (result === undefined) return results;
      if (isPromise(result)) {
        return result.then((resolvedResult) => {
          results[responseName] = resolvedResult;
          return results;
        });
      }
      results[responseName] = result;
      return results;
    },
    newResults(fields),
  );
}

function executeFields(
  context: Context,
  parentType: GraphQLObjectType,
  sourceValue: unknown,
  path: Path | undefined,
  fields: Fields,
): PromiseOrValue<Results> {
  const results = newResults(fields);
  let containsPromise = false;
  try {
    for (const [responseName, fieldNodes] of fields) {
      const fieldDef = getFieldDef(context.schema, parentType, fieldNodes[0]);
      if (!fieldDef) continue;
      const plainRead = plainReadOf(context, fieldDef, sourceValue);
      const result = plainRead
        ? readPlainField(context, parentType, fieldDef, plainRead, sourceValue as Results, fieldNodes, path, responseName)
        : executeField(context, parentType, sourceValue, fieldNodes, addPath(path, responseName, parentType.name), fieldDef);
      if (result !== undefined) {
        results[responseName] = result;
        if (isPromise(result)) containsPromise = true;
      }
    }
  } catch (error) {
    if (containsPromise) {
      // Any promise of the other fields may reject as well: they are settled before this throws.
      return promiseForObject(results, fields).finally(() => {
        throw error;
      });
    }
    throw error;
  }
  return containsPromise ? promiseForObject(results, fields) : results;
}

/** How to read a field straight off `source`, if it can be. */
function plainReadOf(context: Context, fieldDef: GraphQLField<unknown, unknown>, source: unknown): PlainRead | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  let read = plainReads.get(fieldDef);
  if (read === undefined) {
    read = isPlainShape(fieldDef) && fieldDef.resolve === undefined ? defaultRead(fieldDef) : null;
    plainReads.set(fieldDef, read);
  }
  if (read === null || read.resolver !== fieldDef.resolve) return undefined;
  return read.callsMethods && context.fieldResolver !== defaultFieldResolver ? undefined : read;
}

/** A scalar or enum field without arguments: the only kind read straight off. */
function isPlainShape(fieldDef: GraphQLField<unknown, unknown>): boolean {
  return fieldDef.args.length === 0 && isLeafType(getNullableType(fieldDef.type));
}

/** What graphql-js's defaultFieldResolver does for a field without a resolver of its own. */
function defaultRead(fieldDef: GraphQLField<unknown, unknown>): PlainRead {
  return { resolver: undefined, property: fieldDef.name, defaultValue: undefined, callsMethods: true };
}

/**
 * executeField + the field's resolver + completeValue for a plain field. A property that is a
 * function is a method, which graphql-js's default resolver calls with (args, context, info):
 * that field goes the whole way after all, from where the default resolver found the function.
 */
function readPlainField(
  context: Context,
  parentType: GraphQLObjectType,
  fieldDef: GraphQLField<unknown, unknown>,
  read: PlainRead,
  source: Results,
  fieldNodes: readonly FieldNode[],
  path: Path | undefined,
  responseName: string,
): PromiseOrValue<unknown> {
  const returnType = fieldDef.type;
  try {
    const value = source[read.property];
    if (!read.callsMethods) return completePlainValue(parentType, fieldDef, value === undefined ? read.defaultValue : value);
    if (typeof value !== 'function') return completePlainValue(parentType, fieldDef, value);
  } catch (rawError) {
    const fieldPath = addPath(path, responseName, parentType.name);
    return handleFieldError(locatedError(rawError, fieldNodes, pathToArray(fieldPath)), returnType, fieldPath, context);
  }
  const fieldPath = addPath(path, responseName, parentType.name);
  return executeField(context, parentType, source, fieldNodes, fieldPath, fieldDef, callMethodOfSource);
}

/** The rest of defaultFieldResolver once it found a function: it reads the property again to call it. */
function callMethodOfSource(source: unknown, args: unknown, contextValue: unknown, info: GraphQLResolveInfo): unknown {
  return (source as Record<string, (...params: unknown[]) => unknown>)[info.fieldName](args, contextValue, info);
}

/** completeValue for a scalar or enum, or a non-null one. */
function completePlainValue(parentType: GraphQLObjectType, fieldDef: GraphQLField<unknown, unknown>, value: unknown): unknown {
  if (value instanceof Error) throw value;
  const type = fieldDef.type;
  if (value == null) {
    if (isNonNullType(type)) throw new Error(`Cannot return null for non-nullable field ${parentType.name}.${fieldDef.name}.`);
    return null;
  }
  return completeLeafValue(getNullableType(type) as GraphQLLeafType, value);
}

function executeField(
  context: Context,
  parentType: GraphQLObjectType,
  source: unknown,
  fieldNodes: readonly FieldNode[],
  path: Path,
  fieldDef = getFieldDef(context.schema, parentType, fieldNodes[0]),
  resolveFn = fieldDef?.resolve ?? context.fieldResolver,
): PromiseOrValue<unknown> {
  if (!fieldDef) return undefined;
  const returnType = fieldDef.type;
  const info = buildResolveInfo(context, fieldDef, fieldNodes, parentType, path);
  try {
    // What getArgumentValues answers for a field that defines no arguments: it reads only defined ones.
    const args =
      fieldDef.args.length === 0 ? Object.create(null) : getArgumentValues(fieldDef, fieldNodes[0], context.variableValues);
    const contextValue = context.contextValue;
    const result = resolveFn(source, args, contextValue, info);
    const completed = isPromise(result)
      ? result.then((resolved) => completeValue(context, returnType, fieldNodes, info, path, resolved))
      : completeValue(context, returnType, fieldNodes, info, path, result);
    if (isPromise(completed)) {
      return completed.then(undefined, (rawError) =>
        handleFieldError(locatedError(rawError, fieldNodes, pathToArray(path)), returnType, path, context),
      );
    }
    return completed;
  } catch (rawError) {
    return handleFieldError(locatedError(rawError, fieldNodes, pathToArray(path)), returnType, path, context);
  }
}

function handleFieldError(error: GraphQLError, returnType: GraphQLOutputType, path: Path, context: Context): null {
  // A non-null field's error travels up to the nearest nullable parent.
  if (isNonNullType(returnType)) throw error;
  context.collectedErrors.add(error, path);
  return null;
}

function completeValue(
  context: Context,
  returnType: GraphQLOutputType,
  fieldNodes: readonly FieldNode[],
  info: GraphQLResolveInfo,
  path: Path,
  result: unknown,
): PromiseOrValue<unknown> {
  if (result instanceof Error) throw result;
  if (isNonNullType(returnType)) {
    const completed = completeValue(context, returnType.ofType, fieldNodes, info, path, result);
    if (completed === null) {
      throw new Error(`Cannot return null for non-nullable field ${info.parentType.name}.${info.fieldName}.`);
    }
    return completed;
  }
  if (result == null) return null;
  if (isListType(returnType)) return completeListValue(context, returnType, fieldNodes, info, path, result);
  if (isLeafType(returnType)) return completeLeafValue(returnType, result);
  if (isAbstractType(returnType)) return completeAbstractValue(context, returnType, fieldNodes, info, path, result);
  if (isObjectType(returnType)) return completeObjectValue(context, returnType, fieldNodes, info, path, result);
  throw new Error(`Cannot complete value of unexpected output type: ${inspect(returnType)}`);
}

function completeListValue(
  context: Context,
  returnType: GraphQLList<GraphQLOutputType>,
  fieldNodes: readonly FieldNode[],
  info: GraphQLResolveInfo,
  path: Path,
  result: unknown,
): PromiseOrValue<readonly unknown[]> {
  if (!isIterableObject(result)) {
    throw new GraphQLError(`Expected Iterable, but did not find one for field "${info.parentType.name}.${info.fieldName}".`);
  }
  const itemType = returnType.ofType;
  let containsPromise = false;
  const completedResults = Array.from(result, (item, index) => {
    const itemPath = addPath(path, index, undefined);
    try {
      const completedItem = isPromise(item)
        ? item.then((resolved) => completeValue(context, itemType, fieldNodes, info, itemPath, resolved))
        : completeValue(context, itemType, fieldNodes, info, itemPath, item);
      if (isPromise(completedItem)) {
        containsPromise = true;
        return completedItem.then(undefined, (rawError) =>
          handleFieldError(locatedError(rawError, fieldNodes, pathToArray(itemPath)), itemType, itemPath, context),
        );
      }
      return completedItem;
    } catch (rawError) {
      return handleFieldError(locatedError(rawError, fieldNodes, pathToArray(itemPath)), itemType, itemPath, context);
    }
  });
  return containsPromise ? Promise.all(completedResults) : completedResults;
}

function completeLeafValue(returnType: GraphQLLeafType, result: unknown): unknown {
  const serializedResult = returnType.serialize(result);
  if (serializedResult == null) {
    throw new Error(
      `Expected \`${inspect(returnType)}.serialize(${inspect(result)})\` to ` +
        `return non-nullable value, returned: ${inspect(serializedResult)}`,
    );
  }
  return serializedResult;
}

function completeAbstractValue(
  context: Context,
  returnType: GraphQLAbstractType,
  fieldNodes: readonly FieldNode[],
  info: GraphQLResolveInfo,
  path: Path,
  result: unknown,
): PromiseOrValue<Results> {
  const resolveTypeFn = returnType.resolveType ?? context.typeResolver;
  const runtimeType = resolveTypeFn(result, context.contextValue, info, returnType);
  if (isPromise(runtimeType)) {
    return runtimeType.then((resolvedRuntimeType) =>
      completeObjectValue(
        context,
        ensureValidRuntimeType(resolvedRuntimeType, context, returnType, fieldNodes, info, result),
        fieldNodes,
        info,
        path,
        result,
      ),
    );
  }
  return completeObjectValue(
    context,
    ensureValidRuntimeType(runtimeType, context, returnType, fieldNodes, info, result),
    fieldNodes,
    info,
    path,
    result,
  );
}

function ensureValidRuntimeType(
  runtimeTypeName: unknown,
  context: Context,
  returnType: GraphQLAbstractType,
  fieldNodes: readonly FieldNode[],
  info: GraphQLResolveInfo,
  result: unknown,
): GraphQLObjectType {
  if (runtimeTypeName == null) {
    throw new GraphQLError(
      `Abstract type "${returnType.name}" must resolve to an Object type at runtime for field "${info.parentType.name}.${info.fieldName}". Either the "${returnType.name}" type should provide a "resolveType" function or each possible type should provide an "isTypeOf" function.`,
      fieldNodes,
    );
  }
  if (isObjectType(runtimeTypeName)) {
    throw new GraphQLError(
      'Support for returning GraphQLObjectType from resolveType was removed in graphql-js@16.0.0 please return type name instead.',
    );
  }
  if (typeof runtimeTypeName !== 'string') {
    throw new GraphQLError(
      `Abstract type "${returnType.name}" must resolve to an Object type at runtime for field "${info.parentType.name}.${info.fieldName}" with ` +
        `value ${inspect(result)}, received "${inspect(runtimeTypeName)}".`,
    );
  }
  const runtimeType = context.schema.getType(runtimeTypeName);
  if (runtimeType == null) {
    throw new GraphQLError(
      `Abstract type "${returnType.name}" was resolved to a type "${runtimeTypeName}" that does not exist inside the schema.`,
      { nodes: fieldNodes },
    );
  }
  if (!isObjectType(runtimeType)) {
    throw new GraphQLError(`Abstract type "${returnType.name}" was resolved to a non-object type "${runtimeTypeName}".`, {
      nodes: fieldNodes,
    });
  }
  if (!context.schema.isSubType(returnType, runtimeType)) {
    throw new GraphQLError(`Runtime Object type "${runtimeType.name}" is not a possible type for "${returnType.name}".`, {
      nodes: fieldNodes,
    });
  }
  return runtimeType;
}

function completeObjectValue(
  context: Context,
  returnType: GraphQLObjectType,
  fieldNodes: readonly FieldNode[],
  info: GraphQLResolveInfo,
  path: Path,
  result: unknown,
): PromiseOrValue<Results> {
  const subFieldNodes = subfieldsOf(context, returnType, fieldNodes);
  if (returnType.isTypeOf) {
    const isTypeOf = returnType.isTypeOf(result, context.contextValue, info);
    if (isPromise(isTypeOf)) {
      return isTypeOf.then((resolvedIsTypeOf) => {
        if (!resolvedIsTypeOf) throw invalidReturnTypeError(returnType, result, fieldNodes);
        return executeFields(context, returnType, result, path, subFieldNodes);
      });
    }
    if (!isTypeOf) throw invalidReturnTypeError(returnType, result, fieldNodes);
  }
  return executeFields(context, returnType, result, path, subFieldNodes);
}

function subfieldsOf(context: Context, returnType: GraphQLObjectType, fieldNodes: readonly FieldNode[]): Fields {
  let byType = context.subfields.get(fieldNodes);
  if (!byType) context.subfields.set(fieldNodes, (byType = new Map()));
  let subfields = byType.get(returnType);
  if (!subfields) {
    subfields = collectSubfields(context.schema, context.fragments, context.variableValues, returnType, fieldNodes);
    byType.set(returnType, subfields);
  }
  return subfields;
}

function invalidReturnTypeError(returnType: GraphQLObjectType, result: unknown, fieldNodes: readonly FieldNode[]): GraphQLError {
  return new GraphQLError(`Expected value of type "${returnType.name}" but got: ${inspect(result)}.`, { nodes: fieldNodes });
}

/** graphql-js's promiseForObject, answering the same kind of object as executeFields. */
function promiseForObject(object: Results, fields: Fields): Promise<Results> {
  return Promise.all(Object.values(object)).then((resolvedValues) => {
    const resolvedObject = newResults(fields);
    for (const [i, key] of Object.keys(object).entries()) resolvedObject[key] = resolvedValues[i];
    return resolvedObject;
  });
}
