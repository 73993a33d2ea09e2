import { CoalescedTask } from './coalesced-task';

/** A task whose every run waits for `release()`; `runs()` counts the runs started. */
function gatedTask() {
  let runs = 0;
  let releaseRun: () => void = () => undefined;
  const task = new CoalescedTask(
    () => new Promise<void>((resolve) => ((runs += 1), (releaseRun = resolve))),
    () => undefined,
  );
  return { task, runs: () => runs, release: () => releaseRun() };
}

describe('CoalescedTask', () => {
  it('runs once at a time, and once more after the run in progress however often it was woken', async () => {
    const { task, runs, release } = gatedTask();
    task.wake();
    task.wake();
    task.wake();
    expect(runs()).toBe(1);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs()).toBe(2);
    release();
    await task.idle();
    expect(runs()).toBe(2);
  });

  it('after stop, runs neither a new wake-up nor the run asked for while one was in progress', async () => {
    const { task, runs, release } = gatedTask();
    task.wake();
    task.wake(); // asked for during the first run: idle() would let it start as the first run settles
    const stopped = task.stop();
    release();
    await stopped;
    task.wake();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs()).toBe(1);
  });

  it('hands a failure to onError and keeps running later wake-ups', async () => {
    const errors: string[] = [];
    let fail = true;
    const task = new CoalescedTask(
      async () => {
        if (fail) throw new Error('broken');
      },
      (error) => errors.push(error.message),
    );
    task.wake();
    await task.idle();
    fail = false;
    task.wake();
    await task.idle();
    expect(errors).toEqual(['broken']);
  });
});
