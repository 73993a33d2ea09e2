// deploy/docker/healthcheck.cjs is what docker (and compose) runs to decide whether an app is
// healthy: run it as docker would, against a real HTTP server and the test run's NATS.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { connectTestNats, testNatsSettings, testSubjectPrefix } from '@stagecraft/testing';
import type { NatsConnection } from 'nats';

const SCRIPT = join(__dirname, '..', 'docker', 'healthcheck.cjs');

interface ProbeResult {
  code: number;
  stderr: string;
}

function probe(env: Record<string, string>, args: string[] = []): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 15_000 },
      (error, _stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr });
      },
    );
  });
}

describe('healthcheck.cjs for the gateway (GET /health)', () => {
  let server: Server;
  let status = 200;
  let port: number;

  beforeAll(async () => {
    server = createServer((request, response) => {
      response.statusCode = request.url === '/health' ? status : 404;
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is healthy when /health answers 200 on PORT', async () => {
    status = 200;
    expect(await probe({ APP: 'gateway', PORT: String(port) })).toEqual({ code: 0, stderr: '' });
  });

  it('is unhealthy when /health answers 503', async () => {
    status = 503;
    const result = await probe({ APP: 'gateway', PORT: String(port) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('answered 503');
  });

  it('is unhealthy when nothing listens on PORT', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect((await probe({ APP: 'gateway', PORT: String(freePort) })).code).toBe(1);
  });
});

describe('healthcheck.cjs for a service (<service>.health.v1 over NATS)', () => {
  const prefix = testSubjectPrefix();
  let connection: NatsConnection;

  beforeAll(async () => {
    connection = await connectTestNats('operator', 'healthcheck-spec');
    connection.subscribe(`${prefix}healthy.health.v1`, {
      callback: (_error, message) =>
        message.respond(JSON.stringify({ data: { service: 'healthy', status: 'ok', uptimeSeconds: 1 } })),
    });
    connection.subscribe(`${prefix}jobs.health.v1`, {
      callback: (_error, message) =>
        message.respond(JSON.stringify({ data: { service: 'jobs', status: 'ok', uptimeSeconds: 1 } })),
    });
    connection.subscribe(`${prefix}failing.health.v1`, {
      callback: (_error, message) =>
        message.respond(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'database down' } })),
    });
    await connection.flush();
  });

  afterAll(() => connection.close());

  // The fake services answer as the test operator, and the probe asks as it too.
  const env = (app: string, identity: 'operator' | 'jobs' | 'clusters' = 'operator') => ({
    APP: app,
    ...testNatsSettings(identity, prefix),
  });

  it('is healthy when the service answers status ok', async () => {
    expect(await probe(env('services/healthy'))).toEqual({ code: 0, stderr: '' });
  });

  it('asks as the service itself: its NATS identity may ask its own health subject', async () => {
    expect(await probe(env('services/jobs', 'jobs'))).toEqual({ code: 0, stderr: '' });
  });

  it("is refused another service's health subject, by the NATS server's permissions", async () => {
    const result = await probe({ ...env('services/jobs', 'clusters') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/permissions violation/i);
  });

  it('does not connect without credentials', async () => {
    const { NATS_NKEY_SEED: _seed, ...anonymous } = env('services/healthy');
    const result = await probe(anonymous);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('NATS credentials are missing');
  });

  it('takes APP from its argument too', async () => {
    expect((await probe({ ...env('gateway') }, ['services/healthy'])).code).toBe(0);
  });

  it('is unhealthy when the service answers an error', async () => {
    const result = await probe(env('services/failing'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('database down');
  });

  it('is unhealthy when no replica of the service listens', async () => {
    const result = await probe(env('services/absent'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/503|no responders/i);
  });

  it('is unhealthy when NATS cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await probe({ ...env('services/healthy'), NATS_URL: `nats://127.0.0.1:${freePort}` });
    expect(result.code).toBe(1);
  });

  it('refuses an APP it does not know', async () => {
    const result = await probe(env('bench'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown APP');
  });
});
