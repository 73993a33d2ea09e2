import { rulesToAST } from '@casl/ability/extra';

import type { AuthzResource, AuthzVerb } from '../action-catalog';
import type { AppAbility } from '../policy-compiler';

/**
 * Turns the CASL rules of an ability into a SQL WHERE fragment for TypeORM, so lists are
 * filtered by the database. It FAILS CLOSED: any operator, field, value or rule shape it does
 * not understand throws, because guessing could only produce a broader filter.
 */

/** The CASL rule tree (`@ucast` Condition), as rulesToAST returns it. */
export type CaslAst = NonNullable<ReturnType<typeof rulesToAST>>;

/** A WHERE fragment with TypeORM named parameters (`:name`, and `:...name` for arrays). */
export interface SqlWhere {
  sql: string;
  params: Record<string, unknown>;
}

export class CaslToSqlError extends Error {
  constructor(message: string) {
    super(`cannot convert CASL rules to SQL: ${message}`);
    this.name = 'CaslToSqlError';
  }
}

const COLUMN_PATTERN = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/i;
const PREFIX_PATTERN = /^[a-z_][a-z0-9_]*$/i;

/**
 * The WHERE fragment limiting `resource` rows to those the ability allows `verb` on.
 *
 * - `null`: no access at all. Callers return an empty result WITHOUT querying; never run
 *   the query unfiltered.
 * - `{ sql: 'TRUE', params: {} }`: unconditional access.
 * - otherwise use it as `queryBuilder.andWhere(where.sql, where.params)`.
 *
 * `columns` maps each CASL condition field to a column expression such as
 * `{ enterpriseProjectId: 'job.enterprise_project_id' }`; it is inserted verbatim, so it must be
 * a trusted identifier (checked against `[alias.]column`). Parameter names are
 * `<paramPrefix>_<n>`: give each call in one query its own prefix.
 */
export function accessibleWhere(
  ability: AppAbility,
  verb: AuthzVerb,
  resource: AuthzResource,
  columns: Record<string, string>,
  paramPrefix = 'authz',
): SqlWhere | null {
  // rulesFor() without a field keeps field-restricted `can` rules but drops field-restricted
  // `cannot` rules; that would widen the filter, so such rules are refused.
  if (ability.possibleRulesFor(verb, resource).some((rule) => rule.fields !== undefined)) {
    throw new CaslToSqlError(`a rule for ${verb} ${resource} is restricted to fields`);
  }
  const ast = caslRuleTree(ability, verb, resource);
  if (ast === null) {
    validateColumns(columns);
    validatePrefix(paramPrefix);
    return null;
  }
  return astToSqlWhere(ast, columns, paramPrefix);
}

function caslRuleTree(ability: AppAbility, verb: AuthzVerb, resource: AuthzResource): CaslAst | null {
  try {
    return rulesToAST(ability, verb, resource);
  } catch (error) {
    // CASL itself rejects conditions it cannot parse; report them like any other refusal.
    throw new CaslToSqlError(error instanceof Error ? error.message : String(error));
  }
}

/** Like accessibleWhere, from a rule tree; null when the tree can match no row. */
export function astToSqlWhere(ast: CaslAst, columns: Record<string, string>, paramPrefix = 'authz'): SqlWhere | null {
  validateColumns(columns);
  validatePrefix(paramPrefix);
  const node = toSqlNode(ast, columns);
  if (node.kind === 'const' && !node.value) return null;
  const params: Record<string, unknown> = {};
  let counter = 0;
  const nextParam = (value: unknown): string => {
    const name = `${paramPrefix}_${counter++}`;
    params[name] = value;
    return name;
  };
  return { sql: emit(node, nextParam), params };
}

type Scalar = string | number | boolean;

/** An intermediate tree, so constants fold away before any parameter is allocated. */
type SqlNode =
  | { kind: 'const'; value: boolean }
  | { kind: 'eq'; column: string; value: Scalar }
  | { kind: 'in'; column: string; values: Scalar[] }
  | { kind: 'and' | 'or'; children: SqlNode[] }
  | { kind: 'not'; child: SqlNode };

const TRUE: SqlNode = { kind: 'const', value: true };
const FALSE: SqlNode = { kind: 'const', value: false };

function toSqlNode(ast: CaslAst, columns: Record<string, string>): SqlNode {
  const node: unknown = ast;
  if (typeof node !== 'object' || node === null || typeof (node as CaslAst).operator !== 'string') {
    throw new CaslToSqlError('the rule tree contains something that is not a condition');
  }
  const { operator, value } = node as CaslAst;
  const field = 'field' in node ? (node as { field: unknown }).field : undefined;

  switch (operator) {
    case 'and':
    case 'or': {
      if (field !== undefined || !Array.isArray(value)) throw new CaslToSqlError(`malformed "${operator}" condition`);
      const children = value.map((child: CaslAst) => toSqlNode(child, columns));
      return operator === 'and' ? and(children) : or(children);
    }
    case 'not': {
      if (field !== undefined || !Array.isArray(value) || value.length !== 1) {
        throw new CaslToSqlError('a "not" condition must wrap exactly one condition');
      }
      return not(toSqlNode(value[0] as CaslAst, columns));
    }
    case 'eq':
      return { kind: 'eq', column: columnFor(field, columns), value: scalar(value, operator) };
    case 'in': {
      const column = columnFor(field, columns);
      if (!Array.isArray(value)) throw new CaslToSqlError('an "in" condition needs an array');
      // `IN ()` is not valid SQL, and an empty list matches nothing anyway.
      if (value.length === 0) return FALSE;
      return { kind: 'in', column, values: value.map((v) => scalar(v, operator)) };
    }
    default:
      throw new CaslToSqlError(`unsupported operator "${operator}"`);
  }
}

function and(children: SqlNode[]): SqlNode {
  if (children.some((c) => c.kind === 'const' && !c.value)) return FALSE;
  const kept = children.filter((c) => c.kind !== 'const');
  if (kept.length === 0) return TRUE;
  return kept.length === 1 ? kept[0] : { kind: 'and', children: kept };
}

function or(children: SqlNode[]): SqlNode {
  if (children.some((c) => c.kind === 'const' && c.value)) return TRUE;
  const kept = children.filter((c) => c.kind !== 'const');
  if (kept.length === 0) return FALSE;
  return kept.length === 1 ? kept[0] : { kind: 'or', children: kept };
}

function not(child: SqlNode): SqlNode {
  return child.kind === 'const' ? { kind: 'const', value: !child.value } : { kind: 'not', child };
}

function emit(node: SqlNode, param: (value: unknown) => string): string {
  switch (node.kind) {
    case 'const':
      return node.value ? 'TRUE' : 'FALSE';
    case 'eq':
      return `${node.column} = :${param(node.value)}`;
    case 'in':
      return `${node.column} IN (:...${param(node.values)})`;
    case 'and':
    case 'or':
      return `(${node.children.map((c) => emit(c, param)).join(node.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not': {
      // `IS NOT TRUE`, not `NOT`: a NULL column makes the inner test NULL, and NOT NULL would
      // drop a row CASL allows (a missing value never matches the denied condition).
      const inner = emit(node.child, param);
      return node.child.kind === 'and' || node.child.kind === 'or' ? `(${inner} IS NOT TRUE)` : `((${inner}) IS NOT TRUE)`;
    }
  }
}

function columnFor(field: unknown, columns: Record<string, string>): string {
  if (typeof field !== 'string') throw new CaslToSqlError('a field condition has no field name');
  if (!Object.hasOwn(columns, field)) throw new CaslToSqlError(`no column is mapped for field "${field}"`);
  return columns[field];
}

function scalar(value: unknown, operator: string): Scalar {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new CaslToSqlError(`unsupported value in a "${operator}" condition: ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function validateColumns(columns: Record<string, string>): void {
  for (const [field, column] of Object.entries(columns)) {
    if (typeof column !== 'string' || !COLUMN_PATTERN.test(column)) {
      throw new CaslToSqlError(`column for field "${field}" is not a plain [alias.]column identifier`);
    }
  }
}

function validatePrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix)) throw new CaslToSqlError(`parameter prefix "${prefix}" is not an identifier`);
}
