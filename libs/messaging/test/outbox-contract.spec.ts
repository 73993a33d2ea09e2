import { nanos } from 'nats';

import {
  appendToOutbox,
  JetStreamStreams,
  outboxChannel,
  outboxTableDdl,
  outboxTableDropDdl,
  parseOutboxTable,
  qualifyStreamName,
  serverAtLeast,
  subjectMatches,
  unqualifySubject,
} from '../src';

describe('outbox table contract', () => {
  it('gives the DDL for a table: columns, partial index on unpublished rows, NOTIFY trigger', () => {
    const ddl = outboxTableDdl('build_outbox');
    expect(ddl).toContain('CREATE TABLE build_outbox (');
    expect(ddl).toContain('sequence bigserial PRIMARY KEY');
    expect(ddl).toContain('id uuid NOT NULL UNIQUE');
    expect(ddl).toContain('subject text NOT NULL');
    expect(ddl).toContain('payload jsonb NOT NULL');
    expect(ddl).toContain('created_at timestamptz(3) NOT NULL DEFAULT now()');
    expect(ddl).toContain('published_at timestamptz(3)');
    expect(ddl).toContain('CREATE INDEX build_outbox_unpublished_idx ON build_outbox (sequence) WHERE published_at IS NULL');
    expect(ddl).toContain("PERFORM pg_notify('build_outbox', '')");
    expect(ddl).toContain('AFTER INSERT ON build_outbox FOR EACH STATEMENT EXECUTE FUNCTION build_outbox_notify()');
    expect(outboxTableDdl('build_outbox', { channel: 'builds_events' })).toContain("pg_notify('builds_events', '')");
    expect(outboxTableDropDdl('build_outbox')).toBe(
      'DROP TABLE IF EXISTS build_outbox;\nDROP FUNCTION IF EXISTS build_outbox_notify()',
    );
  });

  it('qualifies schema objects and derives the default channel from the bare table name', () => {
    const ddl = outboxTableDdl('builds.build_outbox');
    expect(ddl).toContain('CREATE TABLE builds.build_outbox (');
    expect(ddl).toContain('CREATE FUNCTION builds.build_outbox_notify()');
    expect(outboxChannel('builds.build_outbox')).toBe('build_outbox');
    expect(parseOutboxTable('builds.build_outbox')).toEqual({
      qualified: 'builds.build_outbox',
      schema: 'builds',
      table: 'build_outbox',
    });
  });

  it.each(['Build_Outbox', 'a.b.c', 'outbox; DROP TABLE x', '"quoted"', '', 'x'.repeat(41)])(
    'refuses the table name %p',
    (name) => {
      expect(() => outboxTableDdl(name)).toThrow(/invalid outbox table name/);
    },
  );

  it('refuses a channel that is not an identifier', () => {
    expect(() => outboxTableDdl('build_outbox', { channel: "x'); DROP" })).toThrow(/invalid outbox channel/);
  });

  it('refuses to append outside a transaction of a TypeORM manager or query runner', async () => {
    const query = jest.fn();
    const manager = { query, '@instanceof': Symbol.for('EntityManager') };
    await expect(appendToOutbox(manager, 'build_outbox', { subject: 's', payload: {} })).rejects.toThrow(
      /inside the transaction/,
    );
    await expect(
      appendToOutbox({ query, isTransactionActive: false }, 'build_outbox', { subject: 's', payload: {} }),
    ).rejects.toThrow();
    expect(query).not.toHaveBeenCalled();
    expect(await appendToOutbox({ query, isTransactionActive: true }, 'build_outbox', [])).toEqual([]);
  });
});

describe('subjects and stream names', () => {
  it('sanitizes the prefix into the stream name', () => {
    expect(qualifyStreamName('t1a2.', 'BUILD_EVENTS')).toBe('t1a2_BUILD_EVENTS');
    expect(qualifyStreamName('acme.prod.', 'BUILD_EVENTS')).toBe('acme_prod_BUILD_EVENTS');
    expect(qualifyStreamName('', 'BUILD_EVENTS')).toBe('BUILD_EVENTS');
    expect(() => qualifyStreamName('', 'BUILD.EVENTS')).toThrow(/invalid stream name/);
  });

  it('builds the stream config: prefixed subjects, file storage, 2-minute duplicate window clamped to the age limit', () => {
    const config = JetStreamStreams.configFor({ name: 'BUILD_EVENTS', subjects: ['events.builds.>'], subjectPrefix: 'p.' });
    expect(config).toMatchObject({
      name: 'p_BUILD_EVENTS',
      subjects: ['p.events.builds.>'],
      storage: 'file',
      duplicate_window: nanos(120_000),
      max_age: 0,
      max_msgs: -1,
    });
    const short = JetStreamStreams.configFor({ name: 'S', subjects: ['a'], maxAgeMs: 30_000 });
    expect(short.duplicate_window).toBe(nanos(30_000));
    expect(() => JetStreamStreams.configFor({ name: 'S', subjects: [] })).toThrow(/at least one subject/);
  });

  it('matches NATS wildcards', () => {
    expect(subjectMatches('events.builds.>', 'events.builds.a.b')).toBe(true);
    expect(subjectMatches('events.builds.>', 'events.builds')).toBe(false);
    expect(subjectMatches('events.*.x', 'events.builds.x')).toBe(true);
    expect(subjectMatches('events.*.x', 'events.builds.y')).toBe(false);
    expect(subjectMatches('events.*', 'events.builds.x')).toBe(false);
    expect(subjectMatches('a.b', 'a.b')).toBe(true);
    expect(unqualifySubject('p.', 'p.events.x')).toBe('events.x');
    expect(unqualifySubject('p.', 'q.events.x')).toBe('q.events.x');
  });

  it('compares server versions', () => {
    expect(serverAtLeast('2.9.10', 2, 10)).toBe(false);
    expect(serverAtLeast('2.10.0', 2, 10)).toBe(true);
    expect(serverAtLeast('3.0.0', 2, 10)).toBe(true);
    expect(serverAtLeast(undefined, 2, 10)).toBe(false);
  });
});
