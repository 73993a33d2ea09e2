import { connect, type NatsConnection } from 'nats';

import { type NatsConfig,natsConnectionOptionsFor } from '../src';

// @stagecraft/testing builds on this lib, so these specs read the test run's NATS (started by
// jest.global-setup.cjs) by hand. They exercise the library itself, with arbitrary subjects and
// streams, so they connect as the test operator: the identity with every right.

/** The operator's settings on the test server, with `subjectPrefix`. */
export function operatorNatsSettings(subjectPrefix = ''): NatsConfig {
  const url = process.env.TEST_NATS_URL;
  const seed = (JSON.parse(process.env.TEST_NATS_SEEDS ?? '{}') as Record<string, string>).operator;
  if (!url || !seed) throw new Error('run these specs through jest.config.js: its global setup starts NATS');
  return { NATS_URL: url, NATS_SUBJECT_PREFIX: subjectPrefix, NATS_NKEY_SEED: seed };
}

export function connectAsOperator(): Promise<NatsConnection> {
  return connect(natsConnectionOptionsFor('operator', operatorNatsSettings()));
}
