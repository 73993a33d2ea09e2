// Event latency: from the commit of a build event to a graphql-ws subscriber and to a JetStream
// consumer, at 100 events/s with 50 subscribers. Events are appended to the builds service's
// outbox directly (as a state change does, in its own transaction), so the figures measure the
// relay, JetStream, the gateway and graphql-ws, not the executors.
import { randomUUID } from 'node:crypto';

import { BUILD_EVENTS_STREAM, type BuildEventDto, buildEventSubject } from '@stagecraft/contracts';
import { appendToOutbox, subscribeOrdered } from '@stagecraft/messaging';
import { connectTestClient, ensureTestNatsServer } from '@stagecraft/testing';
import { createClient } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';

import { startPlatform } from '../gateway/test/platform-harness';
import { describeEnvironment, envInt, markdownTable, percentile, round, writeResults } from './support/bench-report';

const RATE = envInt('BENCH_EVENTS_PER_SECOND', 100);
const SECONDS = envInt('BENCH_SECONDS', 10);
const SUBSCRIBERS = envInt('BENCH_SUBSCRIBERS', 50);
const TARGET_P99_MS = 50;

async function main(): Promise<void> {
  await ensureTestNatsServer();
  const platform = await startPlatform();
  const admin = await platform.adminToken();
  const me = (await platform.gql<{ me: { id: string } }>('{ me { id } }', {}, admin)).data!.me;
  const [project] = (await platform.gql<{ enterpriseProjects: { id: string }[] }>('{ enterpriseProjects { id } }', {}, admin))
    .data!.enterpriseProjects;
  const db = new Client({ connectionString: platform.databaseUrl });
  await db.connect();
  const [{ account_id: accountId }] = (await db.query('SELECT account_id FROM iam.users WHERE id = $1', [me.id])).rows;

  const wsUrl = platform.url.replace(/^http/, 'ws') + '/graphql';
  const wsLatencies: number[] = [];
  const clients = Array.from({ length: SUBSCRIBERS }, () =>
    createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${admin}` }, lazy: false }),
  );
  const unsubscribes = clients.map((client) =>
    client.subscribe<{ buildEvents: { at: string } }>(
      { query: 'subscription { buildEvents { at } }' },
      {
        next: (message) => message.data && wsLatencies.push(Date.now() - Date.parse(message.data.buildEvents.at)),
        error: () => undefined,
        complete: () => undefined,
      },
    ),
  );
  const nats = await connectTestClient(platform.subjectPrefix);
  const jsLatencies: number[] = [];
  const consumer = await subscribeOrdered<BuildEventDto>(nats.connection, nats.connection.jetstream(), {
    stream: BUILD_EVENTS_STREAM,
    subjectPrefix: platform.subjectPrefix,
    deliverNew: true,
  });
  const consuming = (async () => {
    for await (const event of consumer) jsLatencies.push(Date.now() - Date.parse(event.data.at));
  })();
  await new Promise((resolve) => setTimeout(resolve, 1500));

  const total = RATE * SECONDS;
  const started = Date.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const buildId = randomUUID();
    const jobId = randomUUID();
    const eventId = randomUUID();
    const at = new Date().toISOString();
    const payload = {
      eventId,
      type: 'running',
      at,
      build: {
        id: buildId,
        accountId,
        enterpriseProjectId: project.id,
        jobId,
        number: 1,
        status: 'RUNNING',
        phase: 'INIT',
        createdAt: at,
      },
    };
    await db.query('BEGIN');
    await appendToOutbox(db, 'builds.build_events', {
      id: eventId,
      subject: buildEventSubject({ accountId, enterpriseProjectId: project.id, jobId, buildId, type: 'running' }),
      payload,
    });
    await db.query('COMMIT');
  }
  const deadline = Date.now() + 10_000;
  while ((wsLatencies.length < total * SUBSCRIBERS || jsLatencies.length < total) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  for (const unsubscribe of unsubscribes) unsubscribe();
  await Promise.all(clients.map((client) => client.dispose()));
  consumer.close();
  await consuming.catch(() => undefined);
  await nats.connection.close();
  await db.end();
  await platform.close();

  const rows = [
    { path: 'graphql-ws subscriber', received: wsLatencies.length, expected: total * SUBSCRIBERS, latencies: wsLatencies },
    { path: 'JetStream consumer', received: jsLatencies.length, expected: total, latencies: jsLatencies },
  ].map((row) => {
    const sorted = [...row.latencies].sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    return {
      path: row.path,
      received: row.received,
      expected: row.expected,
      p50: percentile(sorted, 50),
      p99,
      max: sorted.at(-1) ?? NaN,
      pass: p99 <= TARGET_P99_MS,
    };
  });
  console.log(
    `event latency from commit: ${RATE} events/s for ${SECONDS} s, ${SUBSCRIBERS} graphql-ws subscribers — ${describeEnvironment()}\n`,
  );
  console.log(
    markdownTable(
      ['path', 'received', 'expected', 'p50 ms', 'p99 ms', 'max ms', `target p99 ≤ ${TARGET_P99_MS} ms`],
      rows.map((row) => [
        row.path,
        row.received,
        row.expected,
        round(row.p50, 1),
        round(row.p99, 1),
        round(row.max, 1),
        row.pass ? 'PASS' : 'FAIL',
      ]),
    ),
  );
  console.log(
    `\nwrote ${writeResults('event-latency', rows, { rate: RATE, seconds: SECONDS, subscribers: SUBSCRIBERS, targetP99Ms: TARGET_P99_MS })}`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
