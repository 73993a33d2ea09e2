/**
 * The event-latency bench's watchers, in a worker thread so that they do not share an event loop
 * with the platform they measure: a Postgres LISTEN on the outbox's channel (when NOTIFY arrives),
 * a JetStream ordered consumer (when an event is stored, by JetStream's own clock, and when it
 * reaches a consumer), and the graphql-ws subscribers (when each frame arrives).
 */
import { parentPort, workerData } from 'node:worker_threads';

import { BUILD_EVENTS_STREAM, type BuildEventDto } from '@stagecraft/contracts';
import { subscribeOrdered } from '@stagecraft/messaging';
import { connectTestClient } from '@stagecraft/testing';
import { createClient } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';

export interface EventWatchOptions {
  databaseUrl: string;
  notifyChannel: string;
  subjectPrefix: string;
  wsUrl: string;
  /** One bearer token per subscriber (several users, so that nothing is shared by accident). */
  tokens: string[];
}

/** Sent once every event is committed: the watchers stop when all has arrived, or at the deadline. */
export interface EventWatchCommand {
  expectedEvents: number;
  expectedFrames: number;
  deadline: number;
}

export type EventWatchMessage =
  | { ready: true }
  | {
      /** Date.now() of each NOTIFY, in arrival order (one per committed event). */
      notifiedAt: number[];
      /** Per event: [stream sequence, event id, stored (JetStream's timestamp), received by the consumer]. */
      consumed: Array<[sequence: number, eventId: string, storedAt: number, receivedAt: number]>;
      /** Per graphql-ws frame: [stream sequence, received]. */
      frames: Float64Array;
      errors: string[];
    };

async function run(options: EventWatchOptions): Promise<void> {
  const port = parentPort!;
  const errors: string[] = [];
  const notifiedAt: number[] = [];
  const db = new Client({ connectionString: options.databaseUrl });
  await db.connect();
  db.on('notification', () => notifiedAt.push(Date.now()));
  await db.query(`LISTEN ${db.escapeIdentifier(options.notifyChannel)}`);

  const nats = await connectTestClient(options.subjectPrefix);
  const consumed: Array<[number, string, number, number]> = [];
  const consumer = await subscribeOrdered<BuildEventDto>(nats.connection, nats.connection.jetstream(), {
    stream: BUILD_EVENTS_STREAM,
    subjectPrefix: options.subjectPrefix,
    deliverNew: true,
  });
  const consuming = (async () => {
    for await (const event of consumer) {
      consumed.push([event.streamSequence, event.eventId ?? '', event.storedAt.getTime(), Date.now()]);
    }
  })();

  // Two numbers per frame, grown as needed: 500 subscribers × 10,000 events would be 10 M frames.
  let frames = new Float64Array(1 << 16);
  let frameCount = 0;
  const record = (sequence: number, receivedAt: number) => {
    if (frameCount * 2 + 2 > frames.length) {
      const grown = new Float64Array(frames.length * 2);
      grown.set(frames);
      frames = grown;
    }
    frames[frameCount * 2] = sequence;
    frames[frameCount * 2 + 1] = receivedAt;
    frameCount++;
  };
  let subscribed = 0;
  const clients = options.tokens.map((token) =>
    createClient({
      url: options.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: false,
    }),
  );
  const unsubscribes = clients.map((client) =>
    client.subscribe<{ buildEvents: { sequence: number } }>(
      { query: 'subscription { buildEvents { sequence } }' },
      {
        next: (message) => message.data && record(message.data.buildEvents.sequence, Date.now()),
        error: (error) => errors.push(String((error as Error)?.message ?? JSON.stringify(error))),
        complete: () => undefined,
      },
    ),
  );
  // graphql-ws answers nothing when a subscription starts: wait until every socket is open and
  // has had time to send its subscribe message.
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve) => {
          const off = client.on('connected', () => {
            off();
            subscribed++;
            resolve();
          });
        }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  port.postMessage({ ready: true } satisfies EventWatchMessage);

  const command = await new Promise<EventWatchCommand>((resolve) => port.once('message', resolve));
  while ((frameCount < command.expectedFrames || consumed.length < command.expectedEvents) && Date.now() < command.deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const unsubscribe of unsubscribes) unsubscribe();
  await Promise.all(clients.map((client) => client.dispose()));
  consumer.close();
  await consuming.catch((error: unknown) => errors.push(String(error)));
  await nats.connection.close();
  await db.end();
  if (subscribed !== options.tokens.length) errors.push(`${options.tokens.length - subscribed} subscribers never connected`);
  const message: EventWatchMessage = { notifiedAt, consumed, frames: frames.slice(0, frameCount * 2), errors };
  port.postMessage(message);
}

run(workerData as EventWatchOptions).catch((error: unknown) => {
  parentPort!.postMessage({ ready: true });
  parentPort!.postMessage({ notifiedAt: [], consumed: [], frames: new Float64Array(0), errors: [String(error)] });
});
