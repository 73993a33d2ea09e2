import { memoryReducingCollection, releaseMemoryWhenIdle } from './idle-memory';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `collections` holds `count` entries, for at most `withinMs`. The releaser's timers
 * are late on a loaded machine (CI runs two Jest workers beside Postgres and NATS), so a fixed
 * sleep is not a fair wait; the assertion after it is the same.
 */
async function untilCollected(collections: number[], count: number, withinMs = 5_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (collections.length < count && Date.now() < deadline) await sleep(10);
}

/** Keeps the event loop busy (about 90 % of the time) for `ms`, in slices so timers still fire. */
async function busyFor(ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const slice = Date.now() + 18;
    while (Date.now() < slice) {
      // spinning: the loop's utilisation is what the releaser reads
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('releaseMemoryWhenIdle', () => {
  const stops: (() => void)[] = [];
  afterEach(() => stops.splice(0).forEach((stop) => stop()));

  /**
   * Starts a releaser whose collections are recorded (ms after its start); `collect` runs as well
   * when given, so the heap the releaser measures after a release is the one a real release leaves.
   */
  function release(
    settings: Parameters<typeof releaseMemoryWhenIdle>[0],
    collect: () => void = () => undefined,
  ): { collections: number[] } {
    const collections: number[] = [];
    const started = Date.now();
    stops.push(
      releaseMemoryWhenIdle(settings, () => {
        collect();
        collections.push(Date.now() - started);
      }),
    );
    return { collections };
  }

  it('collects once the event loop has been quiet for the samples asked for, and not again while the heap stays put', async () => {
    const { collections } = release({ checkEveryMs: 20, idleChecks: 3, minGrowthBytes: 512 * 1024 * 1024 });
    await untilCollected(collections, 1);
    await sleep(300);
    expect(collections).toHaveLength(1);
    expect(collections[0]).toBeGreaterThanOrEqual(55); // three 20 ms samples, give or take a timer's slack
  });

  it('leaves a busy process alone, and collects once it goes quiet', async () => {
    const { collections } = release({ checkEveryMs: 20, idleChecks: 2, idleUtilization: 0.05 });
    await busyFor(400);
    expect(collections).toEqual([]);
    await untilCollected(collections, 1);
    expect(collections).toHaveLength(1);
  });

  it('collects again after the heap has grown by the growth asked for', async () => {
    // A real collection first: otherwise V8 may shrink the heap on its own after the release is
    // recorded, and the objects below would only win back what it gave.
    const { collections } = release(
      { checkEveryMs: 20, idleChecks: 2, minGrowthBytes: 16 * 1024 * 1024 },
      memoryReducingCollection(),
    );
    await untilCollected(collections, 1);
    expect(collections).toHaveLength(1);
    // ~48 MiB of live objects: the heap has to grow to hold them.
    const held = Array.from({ length: 1_000_000 }, (_, i) => ({ i, text: `object ${i}` }));
    await untilCollected(collections, 2);
    expect(held).toHaveLength(1_000_000);
    expect(collections).toHaveLength(2);
  });

  it('stops sampling when stopped', async () => {
    const { collections } = release({ checkEveryMs: 20, idleChecks: 1 });
    stops.splice(0).forEach((stop) => stop());
    await sleep(100);
    expect(collections).toEqual([]);
  });
});

describe('memoryReducingCollection', () => {
  it('hands back the heap that garbage made the process grow, without putting gc on the global object', () => {
    const hadGc = 'gc' in globalThis;
    let garbage: unknown[] | undefined = Array.from({ length: 1_000_000 }, (_, i) => ({ i, text: `object ${i}` }));
    expect(garbage).toHaveLength(1_000_000);
    garbage = undefined;
    const before = process.memoryUsage().heapTotal;
    memoryReducingCollection()();
    const after = process.memoryUsage().heapTotal;
    expect(before - after).toBeGreaterThan(16 * 1024 * 1024);
    expect('gc' in globalThis).toBe(hadGc);
  });
});
