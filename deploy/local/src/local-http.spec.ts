import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { localHttp } from './local-http';

describe('localHttp', () => {
  let server: Server;
  let base: string;
  const handlers: ((req: IncomingMessage, res: ServerResponse) => void)[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => handlers.shift()!(req, res)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  it('answers with the status and the whole body, whatever the status', async () => {
    handlers.push((_, res) => res.writeHead(401).end('token, please'));
    await expect(localHttp(`${base}/v2/`)).resolves.toEqual({ status: 401, body: 'token, please' });
  });

  it('sends the method, headers and body it is given', async () => {
    let seen: { method?: string; type?: string; body: string } = { body: '' };
    handlers.push((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen = { method: req.method, type: req.headers['content-type'], body };
        res.end('{"data":{}}');
      });
    });
    const response = await localHttp(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ me { id } }"}',
    });
    expect(response).toEqual({ status: 200, body: '{"data":{}}' });
    expect(seen).toEqual({ method: 'POST', type: 'application/json', body: '{"query":"{ me { id } }"}' });
  });

  it('fails a request the server takes and never answers, naming it', async () => {
    handlers.push(() => undefined);
    await expect(localHttp(`${base}/health`, { timeoutMs: 200 })).rejects.toThrow(`GET ${base}/health: no answer within 200 ms`);
  });

  it('fails when nothing listens', async () => {
    await expect(localHttp('http://127.0.0.1:9/')).rejects.toThrow(/ECONNREFUSED/);
  });
});
