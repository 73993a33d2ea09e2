/**
 * The event-latency bench's writer: appends build events to the builds service's outbox at a
 * steady rate, one transaction each (as a state change does).
 */
import { randomUUID } from 'node:crypto';

import { buildEventSubject } from '@stagecraft/contracts';
import { appendToOutbox } from '@stagecraft/messaging';
import { Client } from 'pg';

export interface EventWriterOptions {
  databaseUrl: string;
  outbox: string;
  accountId: string;
  enterpriseProjectId: string;
  perSecond: number;
  total: number;
}

/** Per event id: when the event was made (its `at`) and when its transaction's COMMIT was answered, in ms. */
export type WrittenEvents = Map<string, { at: number; committedAt: number }>;

export async function writeEvents(options: EventWriterOptions): Promise<WrittenEvents> {
  const { accountId, enterpriseProjectId } = options;
  const db = new Client({ connectionString: options.databaseUrl });
  await db.connect();
  const written: WrittenEvents = new Map();
  const started = Date.now();
  for (let i = 0; i < options.total; i++) {
    const due = started + (i * 1000) / options.perSecond;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const buildId = randomUUID();
    const jobId = randomUUID();
    const eventId = randomUUID();
    const at = new Date().toISOString();
    const build = {
      id: buildId,
      accountId,
      enterpriseProjectId,
      jobId,
      number: 1,
      status: 'RUNNING',
      phase: 'INIT',
      createdAt: at,
    };
    await db.query('BEGIN');
    await appendToOutbox(db, options.outbox, {
      id: eventId,
      subject: buildEventSubject({ accountId, enterpriseProjectId, jobId, buildId, type: 'running' }),
      payload: { eventId, type: 'running', at, build },
    });
    await db.query('COMMIT');
    written.set(eventId, { at: Date.parse(at), committedAt: Date.now() });
  }
  await db.end();
  return written;
}
