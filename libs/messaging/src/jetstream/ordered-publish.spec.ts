import type { PubAck } from 'nats';

import { publishInOrder } from './ordered-publish';

type Row = { id: string };

/**
 * JetStream as the relay sees it: stores in arrival order, recognises a known msg id as a
 * duplicate before checking `Nats-Expected-Last-Msg-Id` (as nats-server does), and acks later.
 */
class FakeStream {
  readonly stored: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** What happens to the next publish of an id: lost before JetStream, or stored but its ack lost. */
  readonly faults = new Map<string, 'lost' | 'ack lost'>();

  publish = (row: Row, expectedLastMsgId?: string): Promise<PubAck> => {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const fault = this.faults.get(row.id);
    this.faults.delete(row.id);
    const settle = <T>(value: () => T) =>
      new Promise<T>((resolve, reject) =>
        setImmediate(() => {
          this.inFlight--;
          try {
            resolve(value());
          } catch (error) {
            reject(error);
          }
        }),
      );
    if (fault === 'lost') return settle(() => failWith(new Error('TIMEOUT')));
    const known = this.stored.indexOf(row.id);
    if (known >= 0) return settle(() => ack(known + 1, true));
    if (expectedLastMsgId !== undefined && this.stored.at(-1) !== expectedLastMsgId) {
      return settle(() => failWith(Object.assign(new Error('wrong last msg ID'), { api_error: { err_code: 10070 } })));
    }
    this.stored.push(row.id);
    const seq = this.stored.length;
    return settle(() => (fault === 'ack lost' ? failWith(new Error('TIMEOUT')) : ack(seq, false)));
  };
}

function ack(seq: number, duplicate: boolean): PubAck {
  return { stream: 'S', seq, duplicate, domain: '' } as PubAck;
}

function failWith(error: Error): never {
  throw error;
}

const rows = (n: number, from = 0): Row[] => Array.from({ length: n }, (_, i) => ({ id: `r${from + i}` }));
const ids = (list: Row[]) => list.map((row) => row.id);

describe('publishInOrder', () => {
  it('sends a whole batch before the first ack, and the stream holds it in order', async () => {
    const stream = new FakeStream();
    const batch = rows(50);
    await expect(publishInOrder(batch, stream.publish)).resolves.toEqual({ acked: 50, duplicates: 0 });
    expect(stream.maxInFlight).toBe(50);
    expect(stream.stored).toEqual(ids(batch));
  });

  it('stops at a row lost on the way: no later row is stored ahead of it, and the next attempt goes on in order', async () => {
    const stream = new FakeStream();
    const batch = rows(10);
    stream.faults.set('r4', 'lost');
    const first = await publishInOrder(batch, stream.publish);
    expect(first).toMatchObject({ acked: 4, duplicates: 0, error: expect.objectContaining({ message: 'TIMEOUT' }) });
    expect(stream.stored).toEqual(ids(batch.slice(0, 4)));
    // The relay marks the 4 acked rows and publishes the rest again.
    await expect(publishInOrder(batch.slice(4), stream.publish)).resolves.toEqual({ acked: 6, duplicates: 0 });
    expect(stream.stored).toEqual(ids(batch));
  });

  it('stops at a row whose ack was lost; published again, it and the rows after it are duplicates', async () => {
    const stream = new FakeStream();
    const batch = rows(10);
    stream.faults.set('r6', 'ack lost');
    await expect(publishInOrder(batch, stream.publish)).resolves.toMatchObject({ acked: 6, error: expect.anything() });
    expect(stream.stored).toEqual(ids(batch));
    await expect(publishInOrder(batch.slice(6), stream.publish)).resolves.toEqual({ acked: 4, duplicates: 4 });
    expect(stream.stored).toEqual(ids(batch));
  });

  it('after a restart, acknowledges the rows a crashed relay stored as duplicates and stores the rest after them', async () => {
    const stream = new FakeStream();
    const batch = rows(20);
    await publishInOrder(batch.slice(0, 12), stream.publish); // published, never marked
    await expect(publishInOrder(batch, stream.publish)).resolves.toEqual({ acked: 20, duplicates: 12 });
    expect(stream.stored).toEqual(ids(batch));
  });

  it('goes on one row at a time when another publisher wrote to the stream in between (nothing was lost)', async () => {
    const stream = new FakeStream();
    const batch = rows(6);
    const publish = (row: Row, expected?: string) => {
      if (row.id === 'r3' && !stream.stored.includes('other')) stream.stored.push('other');
      return stream.publish(row, expected);
    };
    await expect(publishInOrder(batch, publish)).resolves.toEqual({ acked: 6, duplicates: 0 });
    expect(stream.stored).toEqual(['r0', 'r1', 'r2', 'other', 'r3', 'r4', 'r5']);
  });

  it('reports the first row that fails as the end of what was acknowledged', async () => {
    const stream = new FakeStream();
    stream.faults.set('r0', 'lost');
    await expect(publishInOrder(rows(3), stream.publish)).resolves.toMatchObject({ acked: 0, error: expect.anything() });
    expect(stream.stored).toEqual([]);
  });
});
