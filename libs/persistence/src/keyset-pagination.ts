import { ServiceError } from '@stagecraft/contracts';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export const MAX_PAGE_SIZE = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface KeysetColumns {
  /** A timestamptz(3) column: millisecond precision, so a JS Date round-trips exactly. */
  createdAt: string;
  id: string;
}

/**
 * Newest first, keyset-paginated on (created_at, id): the cost of a page does not grow with
 * how deep it is. Cursors are opaque base64url strings; a malformed one is BAD_USER_INPUT.
 */
export async function paginate<T extends ObjectLiteral & { id: string; createdAt: Date }>(
  query: SelectQueryBuilder<T>,
  columns: KeysetColumns,
  page: PageRequest,
): Promise<Page<T>> {
  const first = page.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw ServiceError.badInput('first', `first must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  if (page.after) {
    const [createdAt, id] = decodeCursor(page.after);
    query.andWhere(`(${columns.createdAt}, ${columns.id}) < (:keysetCreatedAt, :keysetId)`, {
      keysetCreatedAt: createdAt,
      keysetId: id,
    });
  }
  const rows = await query
    .orderBy(columns.createdAt, 'DESC')
    .addOrderBy(columns.id, 'DESC')
    .take(first + 1)
    .getMany();
  const edges = rows.slice(0, first).map((node) => ({ node, cursor: encodeCursor(node.createdAt, node.id) }));
  return { edges, hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null };
}

export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

export function decodeCursor(cursor: string): [Date, string] {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const date = new Date(String(createdAt));
    if (typeof createdAt === 'string' && typeof id === 'string' && UUID.test(id) && !Number.isNaN(date.getTime()))
      return [date, id];
  } catch {
    // fall through to the error below
  }
  throw ServiceError.badInput('after', 'after is not a cursor this list returned');
}
