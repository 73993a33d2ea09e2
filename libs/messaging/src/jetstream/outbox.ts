import { randomUUID } from 'node:crypto';

/**
 * The transactional outbox contract.
 *
 * The owning service creates the table in one of its own migrations with `outboxTableDdl(table)`
 * and, in the same transaction as each state change, appends the change's events with
 * `appendToOutbox`. `OutboxRelay` publishes committed rows to JetStream in `sequence` order.
 */

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,39}$/;
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** Advisory-lock namespaces (first key of the two-int4 form; the second key is the table's oid). */
export const OUTBOX_LOCK_NAMESPACE = {
  /** Held by writers from their append until commit: sequence order = commit order. */
  writer: 1_868_850_001,
  /** Held (session-level) by the one relay that publishes a table. */
  relay: 1_868_850_002,
} as const;

export interface OutboxTableName {
  /** As given: `build_outbox` or `builds.build_outbox`. */
  qualified: string;
  schema?: string;
  table: string;
}

/** Validates `table` or `schema.table` (lower-case SQL identifiers, table part at most 40 characters). */
export function parseOutboxTable(name: string): OutboxTableName {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new Error(`invalid outbox table name "${name}": use "table" or "schema.table" of lower-case identifiers`);
  }
  return parts.length === 2 ? { qualified: name, schema: parts[0], table: parts[1] } : { qualified: name, table: parts[0] };
}

/** The NOTIFY channel used when none is given: the table's own name (without its schema). */
export function outboxChannel(table: string): string {
  return parseOutboxTable(table).table;
}

export interface OutboxDdlOptions {
  /** The channel the insert trigger notifies; default `outboxChannel(table)`. */
  channel?: string;
}

/**
 * The DDL for an outbox table, for the owning service's migration (`queryRunner.query(sql)`: one
 * string of several statements, run in the migration's transaction):
 *
 * ```sql
 * CREATE TABLE <table> (
 *   sequence     bigserial PRIMARY KEY,          -- publication order
 *   id           uuid NOT NULL UNIQUE,           -- the event id, sent as Nats-Msg-Id
 *   subject      text NOT NULL,                  -- unprefixed, e.g. events.builds.<…>.state
 *   payload      jsonb NOT NULL,
 *   created_at   timestamptz(3) NOT NULL DEFAULT now(),
 *   published_at timestamptz(3)                  -- set by the relay after JetStream's ack
 * );
 * CREATE INDEX <table>_unpublished_idx ON <table> (sequence) WHERE published_at IS NULL;
 * CREATE FUNCTION <table>_notify() … pg_notify('<channel>', '') …;
 * CREATE TRIGGER <table>_notify AFTER INSERT ON <table> FOR EACH STATEMENT EXECUTE FUNCTION <table>_notify();
 * ```
 *
 * The trigger makes every insert wake the relays at commit (a rolled-back insert notifies
 * nobody), whoever the writer is; a writer never has to remember `pg_notify`.
 */
export function outboxTableDdl(table: string, options: OutboxDdlOptions = {}): string {
  const name = parseOutboxTable(table);
  const channel = options.channel ?? name.table;
  if (!CHANNEL.test(channel)) throw new Error(`invalid outbox channel "${channel}"`);
  const derived = (suffix: string) => `${name.table}_${suffix}`;
  const inSchema = (object: string) => (name.schema ? `${name.schema}.${object}` : object);
  return [
    `CREATE TABLE ${name.qualified} (
  sequence bigserial PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  subject text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  published_at timestamptz(3)
)`,
    `CREATE INDEX ${derived('unpublished_idx')} ON ${name.qualified} (sequence) WHERE published_at IS NULL`,
    `CREATE FUNCTION ${inSchema(derived('notify'))}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${channel}', '');
  RETURN NULL;
END
$$`,
    `CREATE TRIGGER ${derived('notify')} AFTER INSERT ON ${name.qualified} FOR EACH STATEMENT EXECUTE FUNCTION ${inSchema(derived('notify'))}()`,
  ].join(';\n');
}

/** The reverse of `outboxTableDdl`, for a migration's `down`. */
export function outboxTableDropDdl(table: string): string {
  const name = parseOutboxTable(table);
  const fn = `${name.schema ? `${name.schema}.` : ''}${name.table}_notify`;
  return [`DROP TABLE IF EXISTS ${name.qualified}`, `DROP FUNCTION IF EXISTS ${fn}()`].join(';\n');
}

/** An event to append; `subject` is unprefixed (the relay adds the installation prefix). */
export interface OutboxEvent {
  /** The event id (uuid), sent as `Nats-Msg-Id`; generated when absent. */
  id?: string;
  subject: string;
  payload: unknown;
}

/**
 * Anything that runs SQL on the caller's transaction: a TypeORM `QueryRunner` or transactional
 * `EntityManager` (both have `query(sql, params)`), or a `pg` client inside `BEGIN`.
 */
export interface OutboxExecutor {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
  /** TypeORM QueryRunner. */
  isTransactionActive?: boolean;
  /** TypeORM EntityManager: its query runner is set inside `dataSource.transaction(…)`. */
  queryRunner?: { isTransactionActive?: boolean } | null;
  '@instanceof'?: symbol;
}

export interface AppendOptions {
  /**
   * Default true: take a transaction-level advisory lock on the table before the row gets its
   * sequence number, so writers append one after another and a row is numbered only after
   * every lower-numbered row has committed or rolled back. Sequence order is then commit order,
   * and the relay never publishes 11 before a late-committing 10. Append as the last statement
   * of the transaction: the lock is held until commit. With `false`, order is only guaranteed
   * for events whose writers serialize otherwise (e.g. all lock the same aggregate row first).
   */
  serialize?: boolean;
}

/**
 * Appends events to the outbox. Call it INSIDE the transaction that makes the state change, so
 * both commit or neither does. Returns the event ids in order.
 */
export async function appendToOutbox(
  executor: OutboxExecutor,
  table: string,
  events: OutboxEvent | OutboxEvent[],
  options: AppendOptions = {},
): Promise<string[]> {
  const name = parseOutboxTable(table);
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return [];
  const isManager = executor['@instanceof'] === Symbol.for('EntityManager');
  const active = isManager ? (executor.queryRunner?.isTransactionActive ?? false) : executor.isTransactionActive;
  if (active === false) {
    throw new Error('appendToOutbox must run inside the transaction of the state change');
  }
  if (options.serialize ?? true) {
    await executor.query(`SELECT pg_advisory_xact_lock(${OUTBOX_LOCK_NAMESPACE.writer}, $1::regclass::oid::int)`, [
      name.qualified,
    ]);
  }
  const ids = list.map((event) => event.id ?? randomUUID());
  await executor.query(
    `INSERT INTO ${name.qualified} (id, subject, payload)
     SELECT e.id, e.subject, e.payload
       FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS e(id, subject, payload, n)
      ORDER BY e.n`,
    [ids, list.map((event) => event.subject), list.map((event) => JSON.stringify(event.payload ?? null))],
  );
  return ids;
}
