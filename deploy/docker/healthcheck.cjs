#!/usr/bin/env node
'use strict';
// Container health probe for any Stagecraft app, with nothing but node (the slim image has no
// curl, wget or nats CLI). The gateway answers `GET /health` over HTTP; a service answers
// `<service>.health.v1` on NATS. Exit 0 = healthy, 1 = unhealthy, 2 = misuse.
//
//   node deploy/docker/healthcheck.cjs [APP]      APP defaults to $APP: `gateway` or `services/<name>`
//
// Reads the app's own variables (PORT, NATS_URL, NATS_SUBJECT_PREFIX and its NATS credentials:
// NATS_NKEY_SEED_FILE, NATS_NKEY_SEED or NATS_CREDS_FILE) with the same defaults as its config
// class, so a probe never needs settings of its own: it asks as the service itself, which the
// NATS permissions allow for the service's own health subject only.

const TIMEOUT_MS = 3000;

async function probeGateway() {
  const port = process.env.PORT || '4000';
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) throw new Error(`GET /health answered ${response.status}`);
}

function authenticator() {
  const { credsAuthenticator, nkeyAuthenticator } = require('nats');
  const { readFileSync } = require('node:fs');
  if (process.env.NATS_CREDS_FILE) return credsAuthenticator(readFileSync(process.env.NATS_CREDS_FILE));
  const seed =
    process.env.NATS_NKEY_SEED ||
    (process.env.NATS_NKEY_SEED_FILE && readFileSync(process.env.NATS_NKEY_SEED_FILE, 'utf8').trim());
  if (!seed) throw new Error('NATS credentials are missing: set NATS_NKEY_SEED_FILE (or NATS_NKEY_SEED, or NATS_CREDS_FILE)');
  return nkeyAuthenticator(new TextEncoder().encode(seed));
}

async function probeService(service) {
  const { connect } = require('nats');
  const connection = await connect({
    servers: process.env.NATS_URL || 'nats://127.0.0.1:4222',
    name: `healthcheck-${service}`,
    // The service's own inbox (nats-config.ts inboxPrefixOf): the only one its identity may read.
    inboxPrefix: `_INBOX_${service}`,
    authenticator: authenticator(),
    timeout: TIMEOUT_MS,
    reconnect: false,
  });
  try {
    const subject = `${process.env.NATS_SUBJECT_PREFIX || ''}${service}.health.v1`;
    const reply = await connection.request(subject, new Uint8Array(0), { timeout: TIMEOUT_MS });
    const body = JSON.parse(new TextDecoder().decode(reply.data));
    if (!body || !body.data || body.data.status !== 'ok') throw new Error(`${subject} answered ${JSON.stringify(body)}`);
  } finally {
    await connection.close();
  }
}

async function main(app) {
  if (app === 'gateway') return probeGateway();
  const service = /^services\/([a-z][a-z0-9-]*)$/.exec(app || '');
  if (service) return probeService(service[1]);
  console.error(`healthcheck: unknown APP ${JSON.stringify(app)} (expected gateway or services/<name>)`);
  process.exit(2);
}

main(process.argv[2] || process.env.APP).then(
  () => process.exit(0),
  (error) => {
    console.error(`healthcheck: ${error && error.message ? error.message : String(error)}`);
    process.exit(1);
  },
);
