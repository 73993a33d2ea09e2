import { KeyedMutex } from './keyed-mutex';

/** A task that records when it starts and ends and finishes only when told to. */
function heldTask(log: string[], name: string) {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const task = async () => {
    log.push(`${name} start`);
    await finished;
    log.push(`${name} end`);
    return name;
  };
  return { task, finish };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedMutex', () => {
  it('runs tasks on one key one at a time, in the order they asked', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const [first, second, third] = ['first', 'second', 'third'].map((name) => heldTask(log, name));
    const results = [first, second, third].map(({ task }) => mutex.run('key', task));

    await turn();
    expect(log).toEqual(['first start']);
    third.finish();
    second.finish();
    await turn();
    expect(log).toEqual(['first start']);
    first.finish();

    await expect(Promise.all(results)).resolves.toEqual(['first', 'second', 'third']);
    expect(log).toEqual(['first start', 'first end', 'second start', 'second end', 'third start', 'third end']);
  });

  it('runs tasks on different keys side by side', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const a = heldTask(log, 'a');
    const b = heldTask(log, 'b');
    const results = [mutex.run('a', a.task), mutex.run('b', b.task)];

    await turn();
    expect(log).toEqual(['a start', 'b start']);
    a.finish();
    b.finish();
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b']);
  });

  it('lets the next task run when one fails', async () => {
    const mutex = new KeyedMutex();
    const failing = mutex.run('key', () => Promise.reject(new Error('disk full')));
    const next = mutex.run('key', async () => 'ran');

    await expect(failing).rejects.toThrow('disk full');
    await expect(next).resolves.toBe('ran');
  });
});
