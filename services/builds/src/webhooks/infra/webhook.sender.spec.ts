import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { EgressPolicy } from '@stagecraft/config';

import { RESPONSE_EXCERPT_BYTES, WebhookSender } from './webhook.sender';

describe('WebhookSender (a real local HTTP receiver)', () => {
  let server: Server;
  let url: string;
  let handle: (request: IncomingMessage, response: ServerResponse) => void;
  const loopbackAllowed = new EgressPolicy({ allowedCidrs: '127.0.0.0/8' });
  const platformDefault = new EgressPolicy();

  beforeAll(async () => {
    server = createServer((request, response) => handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await Promise.all([loopbackAllowed.close(), platformDefault.close()]);
  });

  it('POSTs the body and headers, and keeps only the first bytes of the answer', async () => {
    let received: { method?: string; type?: string; body: string } = { body: '' };
    handle = (request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received = { method: request.method, type: request.headers['content-type'], body };
        response.writeHead(202).end('x'.repeat(100_000));
      });
    };
    const attempt = await new WebhookSender(loopbackAllowed, 5000).send(url, '{"a":1}', {
      'Content-Type': 'application/cloudevents+json',
    });
    expect(received).toEqual({ method: 'POST', type: 'application/cloudevents+json', body: '{"a":1}' });
    expect(attempt).toEqual({ statusCode: 202, error: null, responseExcerpt: 'x'.repeat(RESPONSE_EXCERPT_BYTES) });
  });

  it('keeps a binary answer recordable: no NUL character reaches the excerpt', async () => {
    handle = (_request, response) => response.writeHead(500).end(Buffer.from([0x6f, 0x00, 0x6b]));
    const attempt = await new WebhookSender(loopbackAllowed, 5000).send(url, '{}', {});
    expect(attempt).toEqual({ statusCode: 500, error: null, responseExcerpt: 'o\uFFFDk' });
  });

  it('refuses a loopback receiver under the default egress policy, before any request', async () => {
    let requests = 0;
    handle = (_request, response) => {
      requests++;
      response.writeHead(200).end();
    };
    for (const target of [url, url.replace('127.0.0.1', 'localhost'), 'http://169.254.169.254/latest/meta-data/']) {
      const attempt = await new WebhookSender(platformDefault, 5000).send(target, '{}', {});
      expect(attempt).toEqual({
        statusCode: null,
        error: 'the egress policy does not allow connecting to this address',
        responseExcerpt: null,
      });
    }
    expect(requests).toBe(0);
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    handle = (_request, response) => response.writeHead(307, { location: 'http://169.254.169.254/' }).end();
    const attempt = await new WebhookSender(loopbackAllowed, 5000).send(url, '{}', {});
    expect(attempt.statusCode).toBe(307);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    handle = () => undefined;
    const attempt = await new WebhookSender(loopbackAllowed, 200).send(url, '{}', {});
    expect(attempt).toEqual({ statusCode: null, error: 'no answer within 200 ms', responseExcerpt: null });
  });
});
