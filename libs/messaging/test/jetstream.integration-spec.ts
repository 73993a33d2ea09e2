import { randomUUID } from 'node:crypto';

import { headers, JetStreamClient, JetStreamManager, nanos, NatsConnection, StorageType } from 'nats';

import {
  consumeDurable,
  encodeJson,
  ensureDurableConsumer,
  FollowerTooSlowError,
  JetStreamStreams,
  LiveStreamFanout,
  StreamEvent,
  subscribeOrdered,
} from '../src';
import { connectAsOperator } from './test-nats';

const STREAM = 'JS_EVENTS';

describe('JetStream streams and consumers (real NATS)', () => {
  const run = Math.random().toString(36).slice(2, 10);
  const prefix = `t${run}.`;
  const otherPrefix = `u${run}.`;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    nc = await connectAsOperator();
    js = nc.jetstream();
    jsm = await nc.jetstreamManager();
  });

  afterAll(async () => {
    for (const [p, name] of [
      [prefix, STREAM],
      [otherPrefix, STREAM],
      [prefix, 'JS_READ'],
      [prefix, 'JS_DURABLE'],
      [prefix, 'JS_FANOUT'],
      [prefix, 'JS_FANOUT_B'],
    ]) {
      await JetStreamStreams.remove(jsm, p, name).catch(() => undefined);
    }
    await nc?.close();
  });

  /** Publishes like the relay does: JSON body, Nats-Msg-Id = a fresh event id. */
  async function publish(subject: string, data: unknown, id = randomUUID()): Promise<number> {
    const ack = await js.publish(prefix + subject, encodeJson(data), { msgID: id });
    return ack.seq;
  }

  async function take<T>(iterable: AsyncIterable<StreamEvent<T>>, count: number): Promise<StreamEvent<T>[]> {
    const events: StreamEvent<T>[] = [];
    if (count === 0) return events;
    for await (const event of iterable) {
      events.push(event);
      if (events.length === count) break;
    }
    return events;
  }

  it('creates a prefixed file stream with a duplicate window, idempotently, and updates its limits', async () => {
    const spec = { name: STREAM, subjects: ['events.js.>'], subjectPrefix: prefix, maxAgeMs: 60 * 60_000 };
    const created = await JetStreamStreams.ensure(jsm, spec);
    expect(created.config.name).toBe(`t${run}_${STREAM}`);
    expect(created.config.name).not.toContain('.');
    expect(created.config.subjects).toEqual([`${prefix}events.js.>`]);
    expect(created.config.storage).toBe(StorageType.File);
    expect(created.config.duplicate_window).toBe(nanos(120_000));
    expect(created.config.max_age).toBe(nanos(60 * 60_000));

    const again = await JetStreamStreams.ensure(jsm, spec);
    expect(again.created).toBe(created.created);
    expect(again.config).toEqual(created.config);

    const updated = await JetStreamStreams.ensure(jsm, { ...spec, maxMsgs: 1000, subjects: ['events.js.>', 'events.more.>'] });
    expect(updated.config.max_msgs).toBe(1000);
    expect(updated.config.subjects).toEqual([`${prefix}events.js.>`, `${prefix}events.more.>`]);

    await expect(JetStreamStreams.ensure(jsm, { ...spec, storage: 'memory' })).rejects.toThrow(/cannot change storage/);

    // Another installation (or test run) with the same logical stream gets its own.
    const other = await JetStreamStreams.ensure(jsm, { ...spec, subjectPrefix: otherPrefix });
    expect(other.config.name).toBe(`u${run}_${STREAM}`);
    expect(other.config.subjects).toEqual([`${otherPrefix}events.js.>`]);

    // The duplicate window drops a re-publish with the same Nats-Msg-Id.
    const id = randomUUID();
    const first = await js.publish(`${prefix}events.js.dedupe`, encodeJson({}), { msgID: id });
    const second = await js.publish(`${prefix}events.js.dedupe`, encodeJson({}), { msgID: id });
    expect(second).toMatchObject({ duplicate: true, seq: first.seq });
  });

  it('follows a stream in order with an ordered consumer and resumes after a given sequence', async () => {
    await JetStreamStreams.ensure(jsm, { name: 'JS_READ', subjects: ['read.>'], subjectPrefix: prefix, storage: 'memory' });
    const sequences: number[] = [];
    for (let i = 0; i < 8; i++) sequences.push(await publish(`read.${i % 2 === 0 ? 'a' : 'b'}.${i}`, { i }));

    const all = await subscribeOrdered<{ i: number }>(nc, js, { stream: 'JS_READ', subjectPrefix: prefix });
    const everything = await take(all, 8);
    expect(everything.map((event) => event.streamSequence)).toEqual(sequences);
    expect(everything.map((event) => event.subject)).toEqual([
      'read.a.0',
      'read.b.1',
      'read.a.2',
      'read.b.3',
      'read.a.4',
      'read.b.5',
      'read.a.6',
      'read.b.7',
    ]);
    expect(everything.map((event) => event.data.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(everything[7].pending).toBe(0);
    expect(all.lastSequence).toBe(sequences[7]);

    // A client that saw up to read.a.2 resumes after its stream sequence, on its filter only.
    const resumed = await subscribeOrdered<{ i: number }>(nc, js, {
      stream: 'JS_READ',
      subjectPrefix: prefix,
      filterSubject: 'read.a.>',
      startAfterSequence: sequences[2],
    });
    expect((await take(resumed, 2)).map((event) => event.data.i)).toEqual([4, 6]);

    // Several filters (applied client-side when the server predates 2.10).
    const several = await subscribeOrdered<{ i: number }>(nc, js, {
      stream: 'JS_READ',
      subjectPrefix: prefix,
      filterSubjects: ['read.a.0', 'read.b.*'],
      startAfterSequence: 0,
    });
    expect((await take(several, 5)).map((event) => event.data.i)).toEqual([0, 1, 3, 5, 7]);

    // deliverNew: only what is stored after subscribing; the subscription stays live.
    const live = await subscribeOrdered<{ i: number }>(nc, js, { stream: 'JS_READ', subjectPrefix: prefix, deliverNew: true });
    const iterator = live[Symbol.asyncIterator]();
    const next = iterator.next();
    const id = randomUUID();
    const seq = await publish('read.a.8', { i: 8 }, id);
    expect((await next).value).toMatchObject({ streamSequence: seq, subject: 'read.a.8', data: { i: 8 }, eventId: id });
    await live.close();
    expect((await iterator.next()).done).toBe(true);

    await expect(subscribeOrdered(nc, js, { stream: 'NO_SUCH_STREAM', subjectPrefix: prefix })).rejects.toThrow(
      /stream not found/,
    );
    await expect(
      subscribeOrdered(nc, js, { stream: 'JS_READ', subjectPrefix: prefix, deliverNew: true, startAfterSequence: 1 }),
    ).rejects.toThrow(/either/);
  });

  it('processes a durable pull consumer with explicit acks, redelivers a failure, and resumes after a restart', async () => {
    await JetStreamStreams.ensure(jsm, { name: 'JS_DURABLE', subjects: ['durable.>'], subjectPrefix: prefix, storage: 'memory' });
    const spec = {
      stream: 'JS_DURABLE',
      subjectPrefix: prefix,
      durableName: 'notifier',
      filterSubjects: ['durable.builds.>'],
      ackWaitMs: 5000,
    };
    const info = await ensureDurableConsumer(jsm, spec);
    expect(info.config).toMatchObject({ durable_name: 'notifier', filter_subject: `${prefix}durable.builds.>` });
    expect((await ensureDurableConsumer(jsm, spec)).created).toBe(info.created);

    for (let i = 0; i < 3; i++) await publish(`durable.builds.${i}`, { i });
    await publish('durable.other.x', { i: -1 }); // outside the filter

    const seen: number[] = [];
    let failedOnce = false;
    let resolveFirst!: () => void;
    const firstThree = new Promise<void>((resolve) => (resolveFirst = resolve));
    const consumption = await consumeDurable<{ i: number }>(
      js,
      spec,
      async (event) => {
        if (event.data.i === 1 && !failedOnce) {
          failedOnce = true;
          throw new Error('transient');
        }
        seen.push(event.data.i);
        if (seen.length === 3) resolveFirst();
      },
      { retryDelayMs: 20 },
    );
    await firstThree;
    await consumption.stop();
    expect(failedOnce).toBe(true);
    expect([...seen].sort()).toEqual([0, 1, 2]);

    // Published while the consumer is down; a restarted consumer gets only these.
    const headersUsed = headers();
    headersUsed.set('x-test', 'yes');
    await js.publish(`${prefix}durable.builds.3`, encodeJson({ i: 3 }), { msgID: randomUUID(), headers: headersUsed });
    const after: StreamEvent<{ i: number }>[] = [];
    let resolveNext!: () => void;
    const gotNext = new Promise<void>((resolve) => (resolveNext = resolve));
    const restarted = await consumeDurable<{ i: number }>(js, spec, async (event) => {
      after.push(event);
      resolveNext();
    });
    await gotNext;
    await restarted.stop();
    expect(after.map((event) => [event.subject, event.data.i, event.headers['x-test']])).toEqual([
      ['durable.builds.3', 3, 'yes'],
    ]);
    expect((await jsm.consumers.info(`t${run}_JS_DURABLE`, 'notifier')).num_ack_pending).toBe(0);
  });

  it('fans new messages out to many followers through one consumer, each by its filter, in order', async () => {
    await JetStreamStreams.ensure(jsm, { name: 'JS_FANOUT', subjects: ['fan.>'], subjectPrefix: prefix, storage: 'memory' });
    const before = await publish('fan.a.0', { i: -1 }); // stored before anyone follows: never delivered
    const fanout = new LiveStreamFanout<{ i: number }>(nc, js, { stream: 'JS_FANOUT', subjectPrefix: prefix, maxQueued: 6 });
    const onA = await fanout.follow('fan.a.*');
    const onAll = (await fanout.follow('fan.>'))[Symbol.asyncIterator]();
    const slow = await fanout.follow('fan.>');
    expect((await jsm.consumers.list(`t${run}_JS_FANOUT`).next()).length).toBe(1);

    const sequences: number[] = [];
    for (let i = 0; i < 6; i++) sequences.push(await publish(`fan.${i % 3 === 0 ? 'a' : 'b'}.${i}`, { i }));
    expect(sequences[0]).toBeGreaterThan(before);
    expect((await take(onA, 2)).map((event) => [event.subject, event.data.i])).toEqual([
      ['fan.a.0', 0],
      ['fan.a.3', 3],
    ]);
    const fromAll: number[] = [];
    for (let i = 0; i < 6; i++) fromAll.push((await onAll.next()).value.streamSequence);
    expect(fromAll).toEqual(sequences);

    // `slow` took nothing: a 7th message is one more than it may hold, so it ends with an error;
    // the others go on.
    const pending = onAll.next();
    const seq = await publish('fan.c.6', { i: 6 });
    expect((await pending).value).toMatchObject({ streamSequence: seq, subject: 'fan.c.6', data: { i: 6 } });
    const slowly = slow[Symbol.asyncIterator]();
    await expect(slowly.next()).rejects.toThrow(FollowerTooSlowError);
    expect((await slowly.next()).done).toBe(true);

    // Closing the fan-out completes every follower.
    const last = onAll.next();
    await fanout.close();
    expect((await last).done).toBe(true);
    await expect(fanout.follow('fan.>')).rejects.toThrow(/closed/);
  });

  it('stops the shared consumer with its last follower and starts a new one for the next', async () => {
    await JetStreamStreams.ensure(jsm, { name: 'JS_FANOUT_B', subjects: ['fanb.>'], subjectPrefix: prefix, storage: 'memory' });
    const consumers = async () => (await jsm.consumers.list(`t${run}_JS_FANOUT_B`).next()).length;
    const fanout = new LiveStreamFanout<{ i: number }>(nc, js, { stream: 'JS_FANOUT_B', subjectPrefix: prefix });
    const first = await fanout.follow('fanb.>');
    const alongside = await fanout.follow('fanb.x.*');
    expect(await consumers()).toBe(1);
    await first.close();
    await alongside.close();
    const deadline = Date.now() + 5_000;
    while ((await consumers()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await consumers()).toBe(0);

    const second = await fanout.follow('fanb.d.*');
    const seq = await publish('fanb.d.1', { i: 1 });
    expect((await take(second, 1))[0]).toMatchObject({ streamSequence: seq, subject: 'fanb.d.1' });
    expect(await consumers()).toBe(1);
    await fanout.close();
    await expect(new LiveStreamFanout(nc, js, { stream: 'NO_SUCH_STREAM', subjectPrefix: prefix }).follow('x.>')).rejects.toThrow(
      /stream not found/,
    );
  });
});
