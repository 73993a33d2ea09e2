// Event latency: from the commit of a build event to graphql-ws subscribers and to a JetStream
// consumer (default 100 events/s, 50 subscribers). Events are appended to the builds service's
// outbox directly (as a state change does, in its own transaction), so the figures measure the
// relay, JetStream, the gateway and graphql-ws, not the executors. The writer and the watchers run
// in worker threads of their own (bench/support/event-*-worker.ts), so the main thread is the
// platform's; the time is split into its stretches: the event's time → NOTIFY → stored in
// JetStream → a consumer → a graphql-ws subscriber.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { outboxChannel } from '@stagecraft/messaging';
import { ensureTestNatsServer } from '@stagecraft/testing';
import { Client } from 'pg';

import { startPlatform } from '../gateway/test/platform-harness';
import { describeEnvironment, envInt, markdownTable, percentile, round, writeResults } from './support/bench-report';
import type { EventWatchCommand, EventWatchMessage, EventWatchOptions } from './support/event-watch-worker';
import { writeEvents, type WrittenEvents } from './support/event-writer';
import { createUser, setupData, signInAs } from './support/platform-setup';
import { runBench } from './support/run-bench';

const RATE = envInt('BENCH_EVENTS_PER_SECOND', 100);
const SECONDS = envInt('BENCH_SECONDS', 10);
const SUBSCRIBERS = envInt('BENCH_SUBSCRIBERS', 50);
/** Subscribers are spread over this many users with the same rights (one token each). */
const USERS = Math.min(envInt('BENCH_EVENT_USERS', 10), SUBSCRIBERS);
// Issue 16: p99 ≤ 10 ms at 100 events/s with 50 subscribers, ≤ 50 ms at 1,000 events/s with 500.
const TARGET_P99_MS = envInt('BENCH_TARGET_P99_MS', RATE > 100 ? 50 : 10);
const OUTBOX = 'builds.build_events';

async function main(): Promise<void> {
  await ensureTestNatsServer();
  const platform = await startPlatform();
  const admin = await platform.adminToken();
  const me = (await setupData<{ me: { id: string } }>(platform, '{ me { id } }', {}, admin)).me;
  const [project] = (
    await setupData<{ enterpriseProjects: { id: string }[] }>(platform, '{ enterpriseProjects { id } }', {}, admin)
  ).enterpriseProjects;
  const { createPolicy: policy } = await setupData<{ createPolicy: { id: string } }>(
    platform,
    `mutation { createPolicy(name: "bench-events", statements: [{ effect: ALLOW, actions: ["servicestage:assembling:get"] }]) { id } }`,
    {},
    admin,
  );
  const tokens: string[] = [];
  for (let u = 0; u < USERS; u++) {
    const userId = await createUser(platform, admin, `bench-events-${u}`);
    await setupData(
      platform,
      `mutation A($p: ID!, $u: ID!, $e: [ID!]) { attachPolicy(policyId: $p, userId: $u, enterpriseProjectIds: $e) { id } }`,
      { p: policy.id, u: userId, e: [project.id] },
      admin,
    );
    tokens.push(await signInAs(platform, admin, userId));
  }
  const db = new Client({ connectionString: platform.databaseUrl });
  await db.connect();
  const [{ account_id: accountId }] = (await db.query('SELECT account_id FROM iam.users WHERE id = $1', [me.id])).rows;
  await db.end();

  const watcher = new Worker(join(__dirname, 'support', 'event-watch-worker.ts'), {
    execArgv: ['-r', join(__dirname, 'register.cjs')],
    workerData: {
      databaseUrl: platform.databaseUrl,
      notifyChannel: outboxChannel(OUTBOX),
      subjectPrefix: platform.subjectPrefix,
      wsUrl: platform.url.replace(/^http/, 'ws') + '/graphql',
      tokens: Array.from({ length: SUBSCRIBERS }, (_, i) => tokens[i % USERS]),
    } satisfies EventWatchOptions,
  });
  const messages: EventWatchMessage[] = [];
  let onMessage = () => {};
  watcher.on('message', (message: EventWatchMessage) => {
    messages.push(message);
    onMessage();
  });
  const nextMessage = () =>
    new Promise<EventWatchMessage>((resolve) => {
      const take = () => messages.length > 0 && resolve(messages.shift()!);
      onMessage = take;
      take();
    });
  await nextMessage(); // ready
  const loadBefore = describeEnvironment();

  const total = RATE * SECONDS;
  // The writer stays on the platform's thread, as the builds service writes where its relay runs.
  const written = await writeEvents({
    databaseUrl: platform.databaseUrl,
    outbox: OUTBOX,
    accountId,
    enterpriseProjectId: project.id,
    perSecond: RATE,
    total,
  });
  watcher.postMessage({
    expectedEvents: total,
    expectedFrames: total * SUBSCRIBERS,
    deadline: Date.now() + 10_000,
  } satisfies EventWatchCommand);
  const watched = await nextMessage();
  await watcher.terminate();
  await platform.close();
  if ('ready' in watched) throw new Error('the watcher answered out of turn');

  const report = latencyReport(watched, written, total);
  console.log(
    `event latency from commit: ${RATE} events/s for ${SECONDS} s, ${SUBSCRIBERS} graphql-ws subscribers of ${USERS} users — ${loadBefore}\n`,
  );
  console.log(
    markdownTable(
      ['path', 'received', 'expected', 'p50 ms', 'p99 ms', 'max ms', `target p99 ≤ ${TARGET_P99_MS} ms`],
      report.paths.map((row) => [
        row.path,
        row.received,
        row.expected,
        round(row.p50, 1),
        round(row.p99, 1),
        round(row.max, 1),
        row.path.endsWith('from commit') ? (row.p99 <= TARGET_P99_MS ? 'PASS' : 'FAIL') : '',
      ]),
    ),
  );
  console.log('\nwhere the time goes, per stretch (each event, or each frame for the last):\n');
  console.log(
    markdownTable(
      ['stretch', 'samples', 'p50 ms', 'p99 ms', 'max ms'],
      report.stretches.map((row) => [row.stretch, row.samples, round(row.p50, 1), round(row.p99, 1), round(row.max, 1)]),
    ),
  );
  if (watched.errors.length > 0) console.log(`\nwatcher errors: ${watched.errors.slice(0, 5).join('; ')}`);
  console.log(`\nmachine at the end: ${describeEnvironment()}`);
  console.log(
    `\nwrote ${writeResults('event-latency', report.paths, {
      stretches: report.stretches,
      rate: RATE,
      seconds: SECONDS,
      subscribers: SUBSCRIBERS,
      users: USERS,
      targetP99Ms: TARGET_P99_MS,
    })}`,
  );
}

interface Distribution {
  p50: number;
  p99: number;
  max: number;
}

function distribution(values: number[]): Distribution {
  const sorted = values.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}

/**
 * End-to-end latency per path, from the COMMIT's answer (the measure) and from the event's
 * own time (before its transaction began: the measure of the figures before 5 Dec), and the
 * stretches in between. NOTIFYs are matched to events by order (the writer commits one event at a
 * time); a frame is matched to its event by stream sequence.
 */
function latencyReport(watched: Exclude<EventWatchMessage, { ready: true }>, written: WrittenEvents, total: number) {
  const ordered = [...watched.consumed].sort((a, b) => a[0] - b[0]);
  const events = new Map(
    ordered.map(([sequence, eventId, storedAt, receivedAt]) => [sequence, { ...written.get(eventId)!, storedAt, receivedAt }]),
  );
  const fromCommit: number[] = [];
  const fromEventTime: number[] = [];
  const gatewayStretch: number[] = [];
  for (let i = 0; i < watched.frames.length; i += 2) {
    const event = events.get(watched.frames[i]);
    if (!event) continue;
    const receivedAt = watched.frames[i + 1];
    fromCommit.push(receivedAt - event.committedAt);
    fromEventTime.push(receivedAt - event.at);
    gatewayStretch.push(receivedAt - event.receivedAt);
  }
  const consumed = [...events.values()];
  const notified = consumed
    .slice(0, watched.notifiedAt.length)
    .map((event, i) => ({ ...event, notifiedAt: watched.notifiedAt[i] }));
  const path = (name: string, expected: number, values: number[]) => ({
    path: name,
    received: values.length,
    expected,
    ...distribution(values),
  });
  const stretch = (name: string, values: number[]) => ({ stretch: name, samples: values.length, ...distribution(values) });
  /** The stretch from one time of each event to a later one. */
  const between = <Times extends Record<string, number>>(rows: Times[], from: keyof Times, to: keyof Times, name: string) =>
    stretch(
      name,
      rows.map((row) => row[to] - row[from]),
    );
  return {
    paths: [
      path('graphql-ws subscriber, from commit', total * SUBSCRIBERS, fromCommit),
      path(
        'JetStream consumer, from commit',
        total,
        consumed.map((event) => event.receivedAt - event.committedAt),
      ),
      path('graphql-ws subscriber, from the event time', total * SUBSCRIBERS, fromEventTime),
      path(
        'JetStream consumer, from the event time',
        total,
        consumed.map((event) => event.receivedAt - event.at),
      ),
    ],
    stretches: [
      between(consumed, 'at', 'committedAt', 'event time → commit answered (the write transaction)'),
      between(notified, 'committedAt', 'notifiedAt', 'commit answered → NOTIFY received (Postgres)'),
      between(notified, 'notifiedAt', 'storedAt', 'NOTIFY → stored in JetStream (the relay: read, publish, ack)'),
      between(consumed, 'storedAt', 'receivedAt', 'stored → a JetStream consumer'),
      stretch('consumer → graphql-ws subscriber (gateway, socket)', gatewayStretch),
    ],
  };
}

runBench('event-latency', main);
