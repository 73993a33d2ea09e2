import { randomBytes } from 'node:crypto';

import type { ProcessIdentity } from '@stagecraft/contracts';
import { type NatsConfig, natsConnectionOptionsFor, NatsRpcClient } from '@stagecraft/messaging';
import { connect, type NatsConnection } from 'nats';

import type { TEST_OPERATOR } from './test-nats-server';

export type TestIdentity = ProcessIdentity | typeof TEST_OPERATOR;

/** The test run's authenticated nats-server (started by the Jest global setup, or a benchmark). */
export function testNatsUrl(): string {
  const url = process.env.TEST_NATS_URL;
  if (!url) throw new Error('TEST_NATS_URL is unset: run tests through jest.config.js (its global setup starts NATS)');
  return url;
}

/** A subject prefix of its own for one test file, so parallel runs never answer each other. */
export function testSubjectPrefix(): string {
  return `t${randomBytes(5).toString('hex')}.`;
}

/** A process's NATS settings on the test server: spread them into a service's or the gateway's config. */
export function testNatsSettings(
  identity: TestIdentity,
  subjectPrefix: string,
): Required<Pick<NatsConfig, 'NATS_URL' | 'NATS_SUBJECT_PREFIX' | 'NATS_NKEY_SEED'>> {
  const seeds = JSON.parse(process.env.TEST_NATS_SEEDS ?? '{}') as Record<string, string>;
  const seed = seeds[identity];
  if (!seed) throw new Error(`no NATS identity "${identity}" on the test server`);
  return { NATS_URL: testNatsUrl(), NATS_SUBJECT_PREFIX: subjectPrefix, NATS_NKEY_SEED: seed };
}

/** A raw connection as `identity` (the operator can do anything; the others only what production allows them). */
export function connectTestNats(identity: TestIdentity, name: string = identity): Promise<NatsConnection> {
  return connect({ ...natsConnectionOptionsFor(identity, testNatsSettings(identity, '')), name });
}

/** A request client as the gateway sends them (or as `identity`). */
export async function connectTestClient(
  subjectPrefix: string,
  timeoutMs = 10_000,
  identity: TestIdentity = 'gateway',
): Promise<NatsRpcClient> {
  return new NatsRpcClient(await connectTestNats(identity, `test-client-${identity}`), { subjectPrefix, timeoutMs });
}
