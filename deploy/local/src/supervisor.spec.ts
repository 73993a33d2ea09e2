import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { stopAfterEach } from '@stagecraft/testing';

import { replicaName, Supervisor } from './supervisor';

describe('Supervisor (real child processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-supervisor-'));
  const crashing = join(dir, 'crashing.js');
  const steady = join(dir, 'steady.js');
  writeFileSync(crashing, "console.log('up'); setTimeout(() => process.exit(3), 20);");
  writeFileSync(steady, 'setInterval(() => undefined, 1000);');
  const telling = join(dir, 'telling.js');
  writeFileSync(telling, 'console.log(`${process.env.SHARED} ${process.env.OWN}`); setInterval(() => undefined, 1000);');
  // Every supervisor a test started is stopped after it too: one a failed assertion skipped would go on restarting its processes.
  const stopLater = stopAfterEach();
  const supervised = (...args: ConstructorParameters<typeof Supervisor>) => {
    const supervisor = new Supervisor(...args);
    stopLater(() => supervisor.stop());
    return supervisor;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function record() {
    const events = { started: [] as number[], ended: [] as number[], exits: [] as string[], restarts: [] as string[] };
    return {
      events,
      hooks: {
        started: (pid: number | undefined) => events.started.push(pid!),
        ended: (pid: number | undefined) => events.ended.push(pid!),
        crashed: (exit: string, restart: string) => {
          events.exits.push(exit);
          events.restarts.push(restart);
        },
      },
    };
  }

  it('restarts a process that exits on its own, waiting twice as long after each crash in a row, up to the maximum', async () => {
    const { events, hooks } = record();
    const supervisor = supervised([{ name: 'flaky', entry: crashing, env: {}, replicas: 1 }], dir, hooks, {
      firstMs: 100,
      maxMs: 400,
      stableMs: 60_000,
    });
    expect(await supervisor.firstExit).toMatch(
      /^flaky exited \(code 3\) after \d+\.\d s\. Its last lines \(.*flaky\.log\):\nup$/,
    );
    while (events.restarts.length < 4) await new Promise((resolve) => setTimeout(resolve, 20));
    await supervisor.stop();
    expect(events.restarts.slice(0, 4)).toEqual([
      'restarting flaky in 0.1 s (crash 1 in a row)',
      'restarting flaky in 0.2 s (crash 2 in a row)',
      'restarting flaky in 0.4 s (crash 3 in a row)',
      'restarting flaky in 0.4 s (crash 4 in a row)',
    ]);
    // Every child it started, it saw end: the reaper forgets each pid.
    expect(new Set(events.ended)).toEqual(new Set(events.started));
  });

  it('runs each replica under its own name, and does not restart what it stops', async () => {
    const { events, hooks } = record();
    const supervisor = supervised([{ name: 'svc', entry: steady, env: {}, replicas: 3 }], dir, hooks);
    expect(supervisor.processes.map((p) => p.name)).toEqual(['svc', 'svc-2', 'svc-3']);
    expect(events.started).toHaveLength(3);
    await supervisor.stop();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(events.exits).toEqual([]);
    expect(events.started).toHaveLength(3);
    expect(events.ended).toHaveLength(3);
  });

  it('gives each replica its own environment over the shared one (each its own port)', async () => {
    const { hooks } = record();
    const supervisor = supervised(
      [{ name: 'own', entry: telling, env: { SHARED: 'all' }, replicaEnv: (index) => ({ OWN: `port-${index}` }), replicas: 2 }],
      dir,
      hooks,
    );
    const line = (file: string) => readFileSync(join(dir, file), 'utf8').trim();
    const deadline = Date.now() + 5_000;
    while ((!line('own.log') || !line('own-2.log')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await supervisor.stop();
    expect([line('own.log'), line('own-2.log')]).toEqual(['all port-0', 'all port-1']);
  });

  it('keeps the first replica under the plain name (and log file) a single process has', () => {
    expect([0, 1, 2].map((index) => replicaName('iam', index))).toEqual(['iam', 'iam-2', 'iam-3']);
  });
});
