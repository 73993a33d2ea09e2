import { Logger, LoggerService } from '@nestjs/common';
import { outboxLag } from '@stagecraft/observability';
import { headers as natsHeaders, JetStreamClient, JetStreamPublishOptions, PubAck } from 'nats';
import type { Client } from 'pg';

import { NatsRpcClient } from '../nats-rpc.client';
import { encodeJson } from '../wire-format';
import { publishInOrder } from './ordered-publish';
import { OUTBOX_LOCK_NAMESPACE, outboxChannel, parseOutboxTable } from './outbox';
import { qualifyStreamName } from './subjects';

/** Headers the relay adds besides `Nats-Msg-Id` (= the event id). */
export const OutboxHeaders = {
  /** The row's `sequence` in the outbox table. */
  sequence: 'Stagecraft-Outbox-Sequence',
  /** The row's `created_at` (ISO 8601): commit-to-consumer latency is measured from it. */
  createdAt: 'Stagecraft-Event-Created-At',
} as const;

/** One outbox row as the relay reads it. */
export interface OutboxRow {
  sequence: number;
  id: string;
  /** Unprefixed. */
  subject: string;
  payload: unknown;
  createdAt: Date;
}

export interface OutboxRelayOptions {
  /** The owning service's database; the relay opens its own session (LISTEN + advisory lock). */
  connectionString: string;
  /** `table` or `schema.table`: qualify it when the service's tables live in a schema. */
  table: string;
  /** Default `outboxChannel(table)`, the one `outboxTableDdl` uses. */
  channel?: string;
  /** Gives the NATS connection and the subject prefix. */
  nats: NatsRpcClient;
  /** Logical stream name: when set, a publish fails unless that stream stores it. */
  stream?: string;
  /** Rows read, published and marked per round; default 100. */
  batchSize?: number;
  /** Safety-net poll when no NOTIFY arrives (and how often standbys try to take over); default 1000. */
  pollIntervalMs?: number;
  /** How long one publish waits for JetStream's ack; default 5000. */
  publishTimeoutMs?: number;
  /** Back-off after an error (reconnects included); doubles from `initialMs` up to `maxMs`. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Delete published rows older than `afterMs`, at most once per `everyMs` (default 60 s). */
  prune?: { afterMs: number; everyMs?: number };
  logger?: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  /** Headers of a row's message besides the relay's own (e.g. CloudEvents `ce-*` attributes); they cannot replace those. */
  headersOf?(row: OutboxRow): Record<string, string>;
  /**
   * Fault injection for tests: runs after a batch was acknowledged by JetStream and before it is
   * marked published. Throwing here is a crash between publish and mark.
   */
  hooks?: { afterPublish?(rows: readonly OutboxRow[]): void | Promise<void> };
}

export interface OutboxRelayMetrics {
  /** Rows this relay published and marked (JetStream duplicates included). */
  published: number;
  /** Publishes JetStream acknowledged as duplicates (re-publishes after a crash before the mark). */
  duplicates: number;
  /** The highest sequence this relay marked published. */
  lastSequence: number | null;
  lastPublishedAt: Date | null;
  /** Unpublished rows at the last check (capped at 100,000). */
  pending: number;
  /** Age of the oldest unpublished row at the last check, in ms; 0 when none. */
  lagMs: number;
  /** Holds the table's relay lock: the one relay that publishes. */
  leader: boolean;
  connected: boolean;
  reconnects: number;
  errors: number;
}

interface CycleOutcome {
  drained: boolean;
  pending: number;
  error?: unknown;
  stopped?: boolean;
}

const DEFAULTS = { batchSize: 100, pollIntervalMs: 1000, publishTimeoutMs: 5000, backoffInitialMs: 100, backoffMaxMs: 5000 };
const PENDING_CAP = 100_000;

/**
 * Publishes an outbox table to JetStream.
 *
 * - Order: a batch goes out in `sequence` order without awaiting each ack before the next
 *   (`publishInOrder`: the stream holds them in that order, and a row lost on the way stops the
 *   rows after it from being stored ahead of it); `appendToOutbox` makes sequence order equal
 *   commit order (writers serialize on a transaction-level advisory lock until commit).
 * - One publisher: every replica runs a relay, each on its own Postgres session, and only the one
 *   holding the session-level advisory lock `(relay namespace, table oid)` publishes. The lock,
 *   the LISTEN and the marking UPDATEs share that session, so a relay whose session dies loses the
 *   lock and cannot mark anything afterwards; a standby takes over at its next poll.
 * - Once: a row is marked `published_at` only after JetStream's ack, and only when every row
 *   before it in the batch was acknowledged too. A crash between the ack and the mark leaves the
 *   row unpublished; the next leader publishes it again with the same
 *   `Nats-Msg-Id` and JetStream drops it as a duplicate (within the stream's duplicate window).
 * - Wake-ups: the insert trigger's NOTIFY (delivered at commit) wakes the leader at once; a poll
 *   every `pollIntervalMs` covers lost notifications and reconnect gaps.
 */
export class OutboxRelay {
  private readonly table: string;
  private readonly channel: string;
  private readonly streamName?: string;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly logger: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  private js?: JetStreamClient;

  private client?: Client;
  private clientBroken = false;
  private tableOid = 0;
  private leader = false;
  private loop?: Promise<void>;
  private stopping = false;
  private dirty = false;
  private sleeper?: { done: () => void; interruptible: boolean };
  private cycleWaiters: Array<(outcome: CycleOutcome) => void> = [];
  private lastPruneAt = 0;

  private readonly counters = {
    published: 0,
    duplicates: 0,
    lastSequence: null as number | null,
    lastPublishedAt: null as Date | null,
    pending: 0,
    lagMs: 0,
    reconnects: 0,
    errors: 0,
    connects: 0,
  };

  constructor(private readonly options: OutboxRelayOptions) {
    this.table = parseOutboxTable(options.table).qualified;
    this.channel = options.channel ?? outboxChannel(options.table);
    this.streamName = options.stream ? qualifyStreamName(options.nats.qualify(''), options.stream) : undefined;
    this.batchSize = options.batchSize ?? DEFAULTS.batchSize;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
    this.logger = options.logger ?? new Logger(`OutboxRelay(${this.table})`);
  }

  /** Connects (failing fast when the database or the table is missing) and starts relaying. */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    await this.connect();
    this.loop = this.run();
  }

  /** Stops after the batch in flight (published and marked), then closes the session. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.wake(true);
    await this.loop;
    this.loop = undefined;
    await this.dropClient();
  }

  /**
   * Resolves once everything committed before the call is published: by this relay when it
   * leads, otherwise once the table has nothing pending (another replica leads). For tests and
   * graceful hand-overs.
   */
  async flush(timeoutMs = 10_000): Promise<void> {
    if (!this.loop) throw new Error(`outbox relay ${this.table} is not running`);
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      const outcome = await this.nextCycle(deadline - Date.now());
      if (!outcome) break;
      if (outcome.stopped) throw new Error(`outbox relay ${this.table} stopped during flush`);
      if (outcome.error) {
        lastError = outcome.error;
        continue;
      }
      if (outcome.drained || outcome.pending === 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(20, this.pollIntervalMs)));
    }
    throw new Error(`outbox relay ${this.table}: flush timed out${lastError ? ` (last error: ${describe(lastError)})` : ''}`);
  }

  metrics(): OutboxRelayMetrics {
    const { connects: _connects, ...counters } = this.counters;
    return { ...counters, leader: this.leader, connected: !!this.client && !this.clientBroken };
  }

  // ---- the loop -------------------------------------------------------------------------

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const waiters = this.cycleWaiters.splice(0);
      let outcome: CycleOutcome;
      try {
        outcome = await this.cycle();
        failures = 0;
      } catch (error) {
        failures++;
        this.counters.errors++;
        outcome = { drained: false, pending: this.counters.pending, error };
        if (!this.stopping) this.logger.warn(`outbox relay ${this.table}: ${describe(error)}; retrying`);
        await this.dropClient();
      }
      for (const resolve of waiters) resolve(outcome);
      if (this.stopping) break;
      if (failures > 0) {
        const { initialMs = DEFAULTS.backoffInitialMs, maxMs = DEFAULTS.backoffMaxMs } = this.options.backoff ?? {};
        const delay = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 16));
        await this.sleep(delay * (0.75 + Math.random() * 0.5), false);
      } else if (!(this.leader && this.dirty) && this.cycleWaiters.length === 0) {
        await this.sleep(this.pollIntervalMs, true);
      }
    }
    for (const resolve of this.cycleWaiters.splice(0)) resolve({ drained: false, pending: this.counters.pending, stopped: true });
  }

  private async cycle(): Promise<CycleOutcome> {
    if (!this.client || this.clientBroken) {
      await this.dropClient();
      await this.connect();
    }
    const client = this.client!;
    this.dirty = false;
    if (!this.leader) {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [
        OUTBOX_LOCK_NAMESPACE.relay,
        this.tableOid,
      ]);
      this.leader = rows[0].locked;
    }
    const drained = this.leader ? await this.drain(client) : false;
    if (drained) {
      // The drain ended on a read that found nothing unpublished: no query needed to know it.
      this.counters.pending = 0;
      this.counters.lagMs = 0;
      outboxLag.set({ table: this.table }, 0);
    } else {
      await this.refreshLag(client);
    }
    if (this.leader) await this.maybePrune(client);
    return { drained, pending: this.counters.pending };
  }

  /**
   * Publishes batches until a read finds none left; false when interrupted by stop(). Marking a
   * published batch and reading the next are one statement, so an event committed while the
   * previous one was being published waits for one round trip to the database, not three.
   */
  private async drain(client: Client): Promise<boolean> {
    let published: OutboxRow[] = [];
    for (;;) {
      if (this.stopping) {
        if (published.length > 0) await this.markAndRead(client, published, 0);
        return false;
      }
      const rows = await this.markAndRead(client, published, this.batchSize);
      published = [];
      if (rows.length === 0) return true;
      const outcome = await publishInOrder(rows, (row, expectedLastMsgId) => this.publish(row, expectedLastMsgId));
      this.counters.duplicates += outcome.duplicates;
      if (outcome.error !== undefined) {
        // What JetStream acknowledged before the failure is marked; the rest goes out again, from the failed row.
        if (outcome.acked > 0) await this.markAndRead(client, rows.slice(0, outcome.acked), 0);
        throw outcome.error;
      }
      await this.options.hooks?.afterPublish?.(rows);
      published = rows;
    }
  }

  /**
   * Marks `published` (when any) and reads up to `limit` unpublished rows after them. The read
   * sees the table as of the statement's start, where the rows just marked are still unpublished:
   * hence "after them". Writers commit in sequence order (`appendToOutbox`), so nothing can
   * appear before them later; a writer that opted out of that is read by the next drain.
   */
  private async markAndRead(client: Client, published: readonly OutboxRow[], limit: number): Promise<OutboxRow[]> {
    type Row = { sequence: string; id: string; subject: string; payload: unknown; created_at: Date };
    const select = `SELECT sequence, id, subject, payload, created_at FROM ${this.table}`;
    let result: { rows: Row[] };
    if (published.length === 0) {
      result = await client.query<Row>(`${select} WHERE published_at IS NULL ORDER BY sequence LIMIT $1`, [limit]);
    } else {
      const sequences = published.map((row) => row.sequence);
      result = await client.query<Row>(
        `WITH marked AS (
           UPDATE ${this.table} SET published_at = now() WHERE sequence = ANY($1::bigint[]) AND published_at IS NULL
         )
         ${select} WHERE published_at IS NULL AND sequence > $2 ORDER BY sequence LIMIT $3`,
        [sequences, sequences[sequences.length - 1], limit],
      );
      this.counters.published += published.length;
      this.counters.lastSequence = published[published.length - 1].sequence;
      this.counters.lastPublishedAt = new Date();
    }
    return result.rows.map((row) => ({
      sequence: Number(row.sequence),
      id: row.id,
      subject: row.subject,
      payload: row.payload,
      createdAt: row.created_at,
    }));
  }

  private publish(row: OutboxRow, expectedLastMsgId?: string): Promise<PubAck> {
    this.js ??= this.options.nats.connection.jetstream();
    const headers = natsHeaders();
    for (const [name, value] of Object.entries(this.options.headersOf?.(row) ?? {})) headers.set(name, value);
    headers.set(OutboxHeaders.sequence, String(row.sequence));
    headers.set(OutboxHeaders.createdAt, row.createdAt.toISOString());
    const options: Partial<JetStreamPublishOptions> = {
      msgID: row.id,
      headers,
      timeout: this.options.publishTimeoutMs ?? DEFAULTS.publishTimeoutMs,
    };
    options.expect = {};
    if (this.streamName) options.expect.streamName = this.streamName;
    if (expectedLastMsgId) options.expect.lastMsgID = expectedLastMsgId;
    return this.js.publish(this.options.nats.qualify(row.subject), encodeJson(row.payload), options);
  }

  private async refreshLag(client: Client): Promise<void> {
    const { rows } = await client.query<{ pending: number; lag_ms: number }>(
      `SELECT count(*)::int AS pending,
              COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)) * 1000, 0)::float8 AS lag_ms
         FROM (SELECT created_at FROM ${this.table} WHERE published_at IS NULL ORDER BY sequence LIMIT ${PENDING_CAP}) p`,
    );
    this.counters.pending = rows[0].pending;
    this.counters.lagMs = Math.max(0, rows[0].lag_ms);
    outboxLag.set({ table: this.table }, this.counters.lagMs / 1000);
  }

  private async maybePrune(client: Client): Promise<void> {
    const prune = this.options.prune;
    if (!prune) return;
    const everyMs = prune.everyMs ?? 60_000;
    if (Date.now() - this.lastPruneAt < everyMs) return;
    this.lastPruneAt = Date.now();
    await client.query(
      `DELETE FROM ${this.table} WHERE published_at IS NOT NULL AND published_at < now() - $1::int * interval '1 millisecond'`,
      [Math.max(0, Math.floor(prune.afterMs))],
    );
  }

  // ---- the session ----------------------------------------------------------------------

  private async connect(): Promise<void> {
    // pg is loaded here, not at the top: the gateway loads this library and has no database.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Client: PgClient } = require('pg') as typeof import('pg');
    const client = new PgClient({
      connectionString: this.options.connectionString,
      application_name: `outbox-relay:${this.table}`.slice(0, 63),
      keepAlive: true,
      connectionTimeoutMillis: 5000,
    });
    client.on('error', (error) => {
      if (this.client !== client) return;
      this.clientBroken = true;
      this.leader = false;
      if (!this.stopping) this.logger.warn(`outbox relay ${this.table}: session lost (${describe(error)})`);
      this.wake(false);
    });
    client.on('notification', (message) => {
      if (this.client !== client || message.channel !== this.channel) return;
      this.dirty = true;
      if (this.leader) this.wake(false);
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ oid: number }>('SELECT $1::regclass::oid::int AS oid', [this.table]);
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
      this.tableOid = rows[0].oid;
    } catch (error) {
      await endQuietly(client);
      throw error;
    }
    this.client = client;
    this.clientBroken = false;
    this.leader = false;
    this.dirty = true;
    if (this.counters.connects++ > 0) this.counters.reconnects++;
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.clientBroken = false;
    this.leader = false;
    // Ending the session releases the relay lock and the LISTEN.
    if (client) await endQuietly(client);
  }

  // ---- wake-ups -------------------------------------------------------------------------

  private sleep(ms: number, interruptible: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.sleeper?.done === done) this.sleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleeper = { done, interruptible };
    });
  }

  /** Ends the current sleep; a back-off sleep only ends early on stop. */
  private wake(force: boolean): void {
    if (this.sleeper && (force || this.sleeper.interruptible)) this.sleeper.done();
  }

  private nextCycle(timeoutMs: number): Promise<CycleOutcome | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.cycleWaiters = this.cycleWaiters.filter((waiter) => waiter !== settle);
        resolve(undefined);
      }, timeoutMs);
      const settle = (outcome: CycleOutcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      this.cycleWaiters.push(settle);
      this.wake(false);
    });
  }
}

async function endQuietly(client: Client): Promise<void> {
  client.removeAllListeners('notification');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.end().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 1000);
    }),
  ]);
  clearTimeout(timer);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
