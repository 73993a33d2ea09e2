import { randomBytes } from 'node:crypto';

import { NatsRpcClient } from '@stagecraft/messaging';
import { connect } from 'nats';

/** The machine's NATS unless told otherwise; each run keeps to its own subject prefix. */
export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A subject prefix of its own for one test file, so parallel runs never answer each other. */
export function testSubjectPrefix(): string {
  return `t${randomBytes(5).toString('hex')}.`;
}

export async function connectTestClient(subjectPrefix: string, timeoutMs = 10_000): Promise<NatsRpcClient> {
  const connection = await connect({ servers: TEST_NATS_URL, name: 'test-client' });
  return new NatsRpcClient(connection, { subjectPrefix, timeoutMs });
}
