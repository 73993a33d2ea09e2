import { OutboundBatch } from './outbound-batch';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('OutboundBatch', () => {
  it('publishes nothing during the current turn, then everything of it together and in order', async () => {
    const batch = new OutboundBatch();
    const published: string[] = [];
    batch.add(() => published.push('a'));
    await Promise.resolve(); // microtasks (where nats.js flushes) run before the batch
    batch.add(() => published.push('b'));
    expect(published).toEqual([]);
    await nextTurn();
    expect(published).toEqual(['a', 'b']);
    batch.add(() => published.push('c'));
    expect(published).toEqual(['a', 'b']);
    await nextTurn();
    expect(published).toEqual(['a', 'b', 'c']);
  });

  it('runs all the calls of one turn before nats.js would flush (no microtask in between)', async () => {
    const batch = new OutboundBatch();
    const events: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      batch.add(() => {
        events.push(name);
        queueMicrotask(() => events.push(`flush after ${name}`));
      });
    }
    await nextTurn();
    await Promise.resolve();
    expect(events).toEqual(['a', 'b', 'c', 'flush after a', 'flush after b', 'flush after c']);
  });

  it('settles a deferred call with its result or its failure, also a synchronous throw', async () => {
    const batch = new OutboundBatch();
    const ok = batch.defer(async () => 42);
    const failed = batch.defer(() => Promise.reject(new Error('no responders')));
    const thrown = batch.defer<number>(() => {
      throw new Error('connection closed');
    });
    await expect(ok).resolves.toBe(42);
    await expect(failed).rejects.toThrow('no responders');
    await expect(thrown).rejects.toThrow('connection closed');
  });

  it('lets the rest of a turn leave when one publish throws', async () => {
    const batch = new OutboundBatch();
    const published: string[] = [];
    batch.add(() => {
      throw new Error('connection closed');
    });
    batch.add(() => published.push('b'));
    await nextTurn();
    expect(published).toEqual(['b']);
  });
});
