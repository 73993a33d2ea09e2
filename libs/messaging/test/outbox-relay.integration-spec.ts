import { randomUUID } from 'node:crypto';

import { JetStreamClient, JetStreamManager, NatsConnection, PubAck } from 'nats';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';

import {
  appendToOutbox,
  JetStreamStreams,
  NatsRpcClient,
  OutboxEvent,
  OutboxHeaders,
  OutboxRelay,
  OutboxRelayOptions,
  outboxTableDdl,
  StreamEvent,
  subscribeOrdered,
} from '../src';
import { connectAsOperator } from './test-nats';

// @stagecraft/testing builds on this lib, so this spec sets Postgres and NATS up by hand.
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const STREAM = 'OUTBOX_EVENTS';
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const originalQuery = Client.prototype.query;

describe('outbox relay (real Postgres + JetStream)', () => {
  const run = Math.random().toString(36).slice(2, 10);
  const prefix = `t${run}.`;
  const database = `sc_outbox_${run}`;
  const databaseUrl = withDatabase(ADMIN_URL, database);
  let pool: Pool;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let nats: NatsRpcClient;
  const relays: OutboxRelay[] = [];
  let tables = 0;

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${database}`);
    pool = new Pool({ connectionString: databaseUrl, max: 20 });
    // pool.end() resolves before its sockets close; DROP … WITH (FORCE) may then kill them.
    pool.on('error', () => undefined);
    nc = await connectAsOperator();
    js = nc.jetstream();
    jsm = await nc.jetstreamManager();
    nats = new NatsRpcClient(nc, { subjectPrefix: prefix, timeoutMs: 2000 });
    await JetStreamStreams.ensure(jsm, { name: STREAM, subjects: ['events.>'], subjectPrefix: prefix, maxAgeMs: 60 * 60_000 });
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
  });

  afterAll(async () => {
    await JetStreamStreams.remove(jsm, prefix, STREAM).catch(() => undefined);
    await nc?.close();
    await pool?.end();
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  /** A fresh outbox table (and its subject namespace) per test. */
  async function newOutbox(): Promise<{ table: string; subject: (suffix: string) => string; filter: string }> {
    const table = `outbox_${++tables}`;
    await pool.query(outboxTableDdl(table));
    return { table, subject: (suffix) => `events.${table}.${suffix}`, filter: `events.${table}.>` };
  }

  function relay(table: string, options: Partial<OutboxRelayOptions> = {}): OutboxRelay {
    const created = new OutboxRelay({ connectionString: databaseUrl, table, nats, stream: STREAM, logger: silent, ...options });
    relays.push(created);
    return created;
  }

  async function write(table: string, events: OutboxEvent[], options: { rollback?: boolean; holdMs?: number } = {}) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const ids = await appendToOutbox(client, table, events);
      if (options.holdMs) await sleep(options.holdMs);
      await client.query(options.rollback ? 'ROLLBACK' : 'COMMIT');
      return ids;
    } finally {
      client.release();
    }
  }

  /** How many messages the stream holds on a (logical) subject filter: duplicates would show here. */
  async function countInStream(filter: string): Promise<number> {
    const info = await jsm.streams.info(JetStreamStreams.nameFor(prefix, STREAM), { subjects_filter: prefix + filter });
    return Object.values(info.state.subjects ?? {}).reduce((sum, count) => sum + count, 0);
  }

  /** Every message on the filter, in stream order. */
  async function readStream(filter: string): Promise<StreamEvent[]> {
    if ((await countInStream(filter)) === 0) return [];
    const subscription = await subscribeOrdered(nc, js, { stream: STREAM, subjectPrefix: prefix, filterSubject: filter });
    const timer = setTimeout(() => void subscription.close(), 5000);
    const events: StreamEvent[] = [];
    for await (const event of subscription) {
      events.push(event);
      if (event.pending === 0) break;
    }
    clearTimeout(timer);
    return events;
  }

  async function unpublished(table: string): Promise<number> {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE published_at IS NULL`);
    return rows[0].n;
  }

  async function sequenceOrder(table: string): Promise<string[]> {
    const { rows } = await pool.query(`SELECT id FROM ${table} ORDER BY sequence`);
    return rows.map((row) => row.id);
  }

  it('publishes the events of a committed transaction in order, with their subject and Nats-Msg-Id, then marks them', async () => {
    const { table, subject, filter } = await newOutbox();
    const dataSource = new DataSource({ type: 'postgres', url: databaseUrl, poolSize: 2 });
    await dataSource.initialize();
    try {
      await dataSource.query(`CREATE TABLE builds_${table} (id uuid PRIMARY KEY, state text NOT NULL)`);
      const buildId = randomUUID();
      const ids = await dataSource.transaction(async (manager) => {
        await manager.query(`INSERT INTO builds_${table} (id, state) VALUES ($1, 'QUEUED')`, [buildId]);
        return appendToOutbox(manager, table, [
          { subject: subject('queued'), payload: { buildId, state: 'QUEUED' } },
          { subject: subject('scheduling'), payload: { buildId, state: 'SCHEDULING' } },
          { subject: subject('running'), payload: { buildId, state: 'RUNNING', phase: 'INIT' } },
        ]);
      });
      // Outside a transaction the writer refuses: the event would not be atomic with the change.
      await expect(appendToOutbox(dataSource.manager, table, { subject: subject('x'), payload: {} })).rejects.toThrow(
        /inside the transaction/,
      );

      const relayed = relay(table);
      await relayed.start();
      await relayed.flush();

      const events = await readStream(filter);
      expect(events.map((event) => event.subject)).toEqual([subject('queued'), subject('scheduling'), subject('running')]);
      expect(events.map((event) => event.eventId)).toEqual(ids);
      expect(events.map((event) => event.headers['Nats-Msg-Id'])).toEqual(ids);
      expect(events[2].data).toEqual({ buildId, state: 'RUNNING', phase: 'INIT' });
      expect(events.map((event) => Number(event.headers[OutboxHeaders.sequence]))).toEqual([1, 2, 3]);
      expect(new Date(events[0].headers[OutboxHeaders.createdAt]).getTime()).toBeGreaterThan(Date.now() - 60_000);

      expect(await unpublished(table)).toBe(0);
      expect(relayed.metrics()).toMatchObject({
        published: 3,
        duplicates: 0,
        lastSequence: 3,
        pending: 0,
        lagMs: 0,
        leader: true,
      });
    } finally {
      await dataSource.destroy();
    }
  });

  it('adds the headers headersOf gives a row, without letting them replace its own', async () => {
    const { table, subject, filter } = await newOutbox();
    const [id] = await write(table, [{ subject: subject('succeeded'), payload: { state: 'SUCCEEDED' } }]);
    const relayed = relay(table, {
      headersOf: (row) => ({
        'ce-id': row.id,
        'ce-type': `test.${row.subject.split('.').pop()}`,
        [OutboxHeaders.sequence]: '999',
      }),
    });
    await relayed.start();
    await relayed.flush();

    const [event] = await readStream(filter);
    expect(event.headers['ce-id']).toBe(id);
    expect(event.headers['ce-type']).toBe('test.succeeded');
    expect(event.headers[OutboxHeaders.sequence]).toBe('1');
    expect(event.data).toEqual({ state: 'SUCCEEDED' });
  });

  it('publishes nothing for a rolled-back transaction', async () => {
    const { table, subject, filter } = await newOutbox();
    const dataSource = new DataSource({ type: 'postgres', url: databaseUrl, poolSize: 2 });
    await dataSource.initialize();
    try {
      const runner = dataSource.createQueryRunner();
      await runner.startTransaction();
      await appendToOutbox(runner, table, { subject: subject('rolled-back'), payload: { n: 1 } });
      await runner.rollbackTransaction();
      await runner.release();
      const [kept] = await write(table, [{ subject: subject('kept'), payload: { n: 2 } }]);
      await write(table, [{ subject: subject('rolled-back-too'), payload: { n: 3 } }], { rollback: true });

      const relayed = relay(table);
      await relayed.start();
      await relayed.flush();
      const events = await readStream(filter);
      expect(events.map((event) => [event.subject, event.eventId])).toEqual([[subject('kept'), kept]]);
      expect(await countInStream(filter)).toBe(1);
    } finally {
      await dataSource.destroy();
    }
  });

  it('is woken by NOTIFY: commit-to-consumer latency stays far below the poll interval', async () => {
    const { table, subject, filter } = await newOutbox();
    const relayed = relay(table, { pollIntervalMs: 5000 });
    await relayed.start();
    await relayed.flush(); // first round done: the relay now sleeps for 5 s unless notified
    const subscription = await subscribeOrdered(nc, js, {
      stream: STREAM,
      subjectPrefix: prefix,
      filterSubject: filter,
      deliverNew: true,
    });
    const iterator = subscription[Symbol.asyncIterator]();
    await sleep(50);
    // The relay's own session (named by its application_name): what it asks the database per event.
    let statements = 0;
    const query = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const session = this as unknown as { connectionParameters: { application_name?: string } };
      if (session.connectionParameters.application_name?.startsWith('outbox-relay')) statements += 1;
      return originalQuery.apply(this, args as never) as never;
    });
    const latencies: number[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const [id] = await write(table, [{ subject: subject('tick'), payload: { i } }]);
        const next = await iterator.next();
        latencies.push(performance.now() - started);
        expect(next.value?.eventId).toBe(id);
        await sleep(20);
      }
    } finally {
      query.mockRestore();
    }
    await subscription.close();
    expect(Math.max(...latencies)).toBeLessThan(300);
    // Read, then mark it and read on in one statement: no separate UPDATE, no count when drained.
    expect(statements).toBeLessThanOrEqual(5 * 2);
  });

  it('keeps commit order when concurrent writers commit out of sequence order', async () => {
    const { table, subject, filter } = await newOutbox();
    const relayed = relay(table);
    await relayed.start();
    // Each transaction appends, then holds its transaction open for a random time before commit.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        write(table, [{ subject: subject(`w${i}`), payload: { i } }], { holdMs: Math.floor(Math.random() * 15) }),
      ),
    );
    await relayed.flush();
    const events = await readStream(filter);
    expect(events).toHaveLength(40);
    expect(events.map((event) => event.eventId)).toEqual(await sequenceOrder(table));
    expect(new Set(events.map((event) => event.eventId)).size).toBe(40);
  });

  it('lets one of two running relays publish, each event once and in order, and fails over', async () => {
    const { table, subject, filter } = await newOutbox();
    const [a, b] = [relay(table, { pollIntervalMs: 100 }), relay(table, { pollIntervalMs: 100 })];
    await Promise.all([a.start(), b.start()]);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        write(
          table,
          Array.from({ length: 5 }, (_, j) => ({ subject: subject(`e${i}-${j}`), payload: { i, j } })),
        ),
      ),
    );
    await Promise.all([a.flush(), b.flush()]);
    expect([a.metrics().leader, b.metrics().leader].filter(Boolean)).toHaveLength(1);
    expect(a.metrics().published + b.metrics().published).toBe(100);

    // The leader goes away; the standby takes the lock and carries on.
    const [leader, standby] = a.metrics().leader ? [a, b] : [b, a];
    await leader.stop();
    await write(
      table,
      Array.from({ length: 50 }, (_, j) => ({ subject: subject(`after-${j}`), payload: { j } })),
    );
    await standby.flush();
    expect(standby.metrics().leader).toBe(true);

    const events = await readStream(filter);
    expect(events).toHaveLength(150);
    expect(events.map((event) => event.eventId)).toEqual(await sequenceOrder(table));
    expect(await countInStream(filter)).toBe(150);
    expect(a.metrics().duplicates + b.metrics().duplicates).toBe(0);
    expect(await unpublished(table)).toBe(0);
  });

  it('publishes no duplicate when a relay crashes between publish and mark (JetStream dedupe)', async () => {
    const { table, subject, filter } = await newOutbox();
    let crash!: () => void;
    const crashed = new Promise<void>((resolve) => (crash = resolve));
    const crashing = relay(table, {
      backoff: { initialMs: 60_000 },
      hooks: {
        afterPublish: () => {
          crash();
          throw new Error('crash between publish and mark');
        },
      },
    });
    await crashing.start();
    const ids = await write(
      table,
      Array.from({ length: 10 }, (_, i) => ({ subject: subject(`c${i}`), payload: { i } })),
    );
    await crashed;
    await crashing.stop();
    expect(await countInStream(filter)).toBe(10); // published …
    expect(await unpublished(table)).toBe(10); // … but never marked

    const restarted = relay(table);
    await restarted.start();
    await restarted.flush();
    expect(restarted.metrics()).toMatchObject({ published: 10, duplicates: 10 });
    expect(await unpublished(table)).toBe(0);
    expect(await countInStream(filter)).toBe(10);
    expect((await readStream(filter)).map((event) => event.eventId)).toEqual(ids);
  });

  /** The relay's NATS, whose JetStream publishes can be watched and made to fail. */
  function watchedNats(fault?: (call: number, publish: () => Promise<PubAck>) => Promise<PubAck>) {
    const stats = { calls: 0, inFlight: 0, maxInFlight: 0 };
    const real = nc.jetstream();
    const publish = (...args: Parameters<JetStreamClient['publish']>) => {
      const call = stats.calls++;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      const send = () => real.publish(...args);
      return (fault ? fault(call, send) : send()).finally(() => stats.inFlight--);
    };
    const watched = { connection: { jetstream: () => ({ publish }) }, qualify: (subject: string) => nats.qualify(subject) };
    return { nats: watched as unknown as NatsRpcClient, stats };
  }

  it('publishes a batch without awaiting each ack before the next, in sequence order, each once', async () => {
    const { table, subject, filter } = await newOutbox();
    for (let i = 0; i < 5; i++) {
      await write(
        table,
        Array.from({ length: 50 }, (_, j) => ({ subject: subject(`p${i}-${j}`), payload: { i, j } })),
      );
    }
    const { nats: watched, stats } = watchedNats();
    const relayed = relay(table, { nats: watched });
    await relayed.start();
    await relayed.flush();
    expect(stats.maxInFlight).toBe(100); // a whole batch (batchSize 100) before its first ack
    expect((await readStream(filter)).map((event) => event.eventId)).toEqual(await sequenceOrder(table));
    expect(await countInStream(filter)).toBe(250);
    expect(relayed.metrics()).toMatchObject({ published: 250, duplicates: 0, lastSequence: 250 });
    expect(await unpublished(table)).toBe(0);
  });

  it.each([
    ['lost on the way (never stored)', false, 0],
    ['stored, its ack lost', true, 6],
  ])(
    'on a publish %s mid-batch: marks the rows acknowledged before it; after a restart the rest follow it, in order, once',
    async (_case, stored, duplicatesAfterRestart) => {
      const { table, subject, filter } = await newOutbox();
      const ids = await write(
        table,
        Array.from({ length: 10 }, (_, i) => ({ subject: subject(`f${i}`), payload: { i } })),
      );
      // The 5th publish fails; with the expected-last-msg-id guard JetStream refuses the rows
      // after a lost one, so none of them is stored ahead of it.
      const { nats: watched } = watchedNats((call, send) =>
        call === 4 ? (stored ? send() : Promise.resolve()).then(() => Promise.reject(new Error('TIMEOUT'))) : send(),
      );
      const failing = relay(table, { nats: watched, backoff: { initialMs: 60_000 } });
      await failing.start();
      for (let tries = 0; (await unpublished(table)) !== 6 && tries < 100; tries++) await sleep(20);
      expect(await unpublished(table)).toBe(6);
      expect(failing.metrics().errors).toBe(1);
      await failing.stop();
      expect(await countInStream(filter)).toBe(stored ? 10 : 4);

      const restarted = relay(table);
      await restarted.start();
      await restarted.flush();
      expect(restarted.metrics()).toMatchObject({ published: 6, duplicates: duplicatesAfterRestart });
      expect((await readStream(filter)).map((event) => event.eventId)).toEqual(ids);
      expect(await countInStream(filter)).toBe(10);
      expect(await unpublished(table)).toBe(0);
    },
  );

  it('reconnects its session after the connection is killed, and keeps publishing', async () => {
    const { table, subject, filter } = await newOutbox();
    const relayed = relay(table, { pollIntervalMs: 100, backoff: { initialMs: 20 } });
    await relayed.start();
    await relayed.flush();
    const killer = new Client({ connectionString: databaseUrl });
    await killer.connect();
    const { rowCount } = await killer.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`,
      [database, `outbox-relay:${table}`],
    );
    await killer.end();
    expect(rowCount).toBe(1);
    const ids = await write(table, [{ subject: subject('after-kill'), payload: {} }]);
    await relayed.flush(5000);
    expect(relayed.metrics()).toMatchObject({ reconnects: 1, connected: true, leader: true });
    expect((await readStream(filter)).map((event) => event.eventId)).toEqual(ids);
  });

  it('lets stop() finish the batch in flight, and prunes published rows when asked', async () => {
    const { table, subject, filter } = await newOutbox();
    let inFlight!: () => void;
    const batchStarted = new Promise<void>((resolve) => (inFlight = resolve));
    const relayed = relay(table, {
      prune: { afterMs: 60_000, everyMs: 0 },
      hooks: {
        afterPublish: async () => {
          inFlight();
          await sleep(150);
        },
      },
    });
    await relayed.start();
    await write(table, [
      { subject: subject('one'), payload: {} },
      { subject: subject('two'), payload: {} },
    ]);
    await batchStarted;
    await relayed.stop();
    expect(await unpublished(table)).toBe(0);
    expect(await countInStream(filter)).toBe(2);

    // Rows published long enough ago are deleted by the leader.
    await pool.query(`UPDATE ${table} SET published_at = now() - interval '2 minutes'`);
    const pruner = relay(table, { prune: { afterMs: 60_000, everyMs: 0 } });
    await pruner.start();
    await pruner.flush();
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${table}`);
    expect(rows[0].n).toBe(0);
  });

  it('works with a schema-qualified table that writers name through their search_path', async () => {
    await pool.query(`CREATE SCHEMA builds`);
    await pool.query(outboxTableDdl('builds.build_outbox'));
    const relayed = relay('builds.build_outbox');
    await relayed.start();
    const client = await pool.connect();
    let id: string;
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL search_path = builds');
      [id] = await appendToOutbox(client, 'build_outbox', { subject: 'events.schema.one', payload: { ok: true } });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await relayed.flush();
    expect((await readStream('events.schema.>')).map((event) => [event.eventId, event.data])).toEqual([[id, { ok: true }]]);
  });

  it('fails fast when the outbox table does not exist', async () => {
    await expect(relay('no_such_outbox').start()).rejects.toThrow(/does not exist/);
  });
});

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
