import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';

import { logHttpRequests } from './http-request-logger';
import type { LogLevelName } from './log-settings';
import { createProcessLogger } from './process-logger.factory';

describe('logHttpRequests', () => {
  let server: Server;
  let text: string;

  async function serve(level: LogLevelName): Promise<{ url: string; attached: boolean }> {
    text = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString('utf8');
        done();
      },
    });
    server = createServer((_req, res) => {
      res.statusCode = 200;
      res.end('{"data":{}}');
    });
    const attached = logHttpRequests(server, createProcessLogger({ service: 'gateway', level, destination, stdoutIsTty: false }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, attached };
  }

  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function waitForLine(): Promise<Record<string, unknown>> {
    for (let attempt = 0; attempt < 50 && !text; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    return JSON.parse(text.split('\n')[0]) as Record<string, unknown>;
  }

  it('logs each request at debug with its request id, method, path and status, never headers, query or body', async () => {
    const { url, attached } = await serve('debug');
    expect(attached).toBe(true);
    await fetch(`${url}/graphql?query=secret-in-query`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer eyJtoken',
        cookie: 'session=abc',
        'x-request-id': 'ingress-42',
        'content-type': 'application/json',
      },
      body: '{"query":"mutation { createAccessToken(accessKey: \\"AK\\", secretKey: \\"SK\\") }"}',
    });
    const line = await waitForLine();
    expect(line).toMatchObject({
      level: 'debug',
      service: 'gateway',
      context: 'HttpRequest',
      reqId: 'ingress-42',
      req: { method: 'POST', path: '/graphql' },
      res: { statusCode: 200 },
      msg: expect.stringMatching(/^POST \/graphql 200 in \d+ ms$/),
    });
    for (const secret of ['eyJtoken', 'session=abc', 'secret-in-query', 'secretKey', 'SK'])
      expect([secret, text.includes(secret)]).toEqual([secret, false]);
  });

  it('gives a request without a usable id a fresh one', async () => {
    const { url } = await serve('verbose');
    await fetch(`${url}/health`, { headers: { 'x-request-id': 'has spaces and "quotes"' } });
    expect((await waitForLine())['reqId']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('attaches nothing when debug is off', async () => {
    const { url, attached } = await serve('log');
    expect(attached).toBe(false);
    expect(server.listenerCount('request')).toBe(1);
    await fetch(`${url}/health`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(text).toBe('');
  });
});
