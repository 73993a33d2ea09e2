import { once } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo, createServer, type Server } from 'node:net';

import { type CountingListener, listenCounting } from '../testing';
import { EgressDeniedError, EgressPolicy, isEgressDenied, type Resolver } from './egress-policy';

/** A plain HTTP server on `host` that counts the TCP connections it accepted. */
const listener = (host: string): Promise<CountingListener> =>
  listenCounting(
    http.createServer((_req, res) => res.end('hello')),
    host,
  );

function get(agent: http.Agent, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('EgressPolicy', () => {
  let loopback: CountingListener;
  let second: CountingListener;

  beforeAll(async () => {
    loopback = await listener('127.0.0.1');
    second = await listener('127.0.0.2');
  });
  afterAll(async () => {
    await loopback.close();
    await second.close();
  });

  const strict = () => new EgressPolicy();

  it.each(['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]'])(
    'refuses %s through fetch and through an http.Agent, and nothing connects',
    async (host) => {
      const before = loopback.connections();
      const url = `http://${host}:${loopback.port}/`;
      const policy = strict();
      const fetched = await policy.fetch(url).catch((error: unknown) => error);
      expect(isEgressDenied(fetched)).toBe(true);
      const viaAgent = await get(policy.httpAgent(), url).catch((error: unknown) => error);
      expect(viaAgent).toBeInstanceOf(EgressDeniedError);
      expect((viaAgent as EgressDeniedError).message).toMatch(/^the egress policy does not allow connecting to /);
      expect(loopback.connections()).toBe(before);
      await policy.close();
    },
  );

  it('connects to an allowed range, and only to it', async () => {
    const policy = new EgressPolicy({ allowedCidrs: '127.0.0.1/32' });
    expect(await (await policy.fetch(`http://127.0.0.1:${loopback.port}/`)).text()).toBe('hello');
    expect(await get(policy.httpAgent(), `http://localhost:${loopback.port}/`)).toBe('hello');
    const before = second.connections();
    await expect(policy.fetch(`http://127.0.0.2:${second.port}/`)).rejects.toThrow();
    expect(second.connections()).toBe(before);
    await policy.close();
  });

  it('resolves a name once and connects to the address it checked (no second lookup)', async () => {
    const calls: string[] = [];
    // Rebinding: the first answer is allowed, any later one would not be.
    const answers = [['127.0.0.1'], ['127.0.0.2']];
    const resolve: Resolver = async (hostname) => {
      calls.push(hostname);
      return (answers[calls.length - 1] ?? ['127.0.0.2']).map((address) => ({ address, family: 4 as const }));
    };
    const policy = new EgressPolicy({ allowedCidrs: '127.0.0.1/32', resolve });
    const before = second.connections();
    // The system resolver does not know this name: only the policy's answer can be used.
    expect(await (await policy.fetch(`http://registry.rebind.invalid:${loopback.port}/`)).text()).toBe('hello');
    expect(calls).toEqual(['registry.rebind.invalid']);
    expect(second.connections()).toBe(before);
    await policy.close();
  });

  it('drops the refused addresses of a name and connects to an allowed one', async () => {
    const resolve: Resolver = async () => [
      { address: '127.0.0.2', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
    const policy = new EgressPolicy({ allowedCidrs: '127.0.0.1/32', resolve });
    const before = second.connections();
    expect(await get(policy.httpAgent(), `http://mixed.invalid:${loopback.port}/`)).toBe('hello');
    expect(second.connections()).toBe(before);
    await policy.close();
  });

  it('refuses a name whose every address is refused, naming the reason only in the detail', async () => {
    const resolve: Resolver = async () => [{ address: '10.1.2.3', family: 4 }];
    const policy = new EgressPolicy({ resolve });
    const error = await policy.resolve('registry.corp.invalid').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EgressDeniedError);
    expect((error as EgressDeniedError).message).not.toContain('10.1.2.3');
    expect((error as EgressDeniedError).detail).toBe('registry.corp.invalid resolves to 10.1.2.3 is private');
    await expect(policy.resolve('169.254.169.254')).rejects.toBeInstanceOf(EgressDeniedError);
    await expect(policy.resolve('[::1]')).rejects.toBeInstanceOf(EgressDeniedError);
    await expect(policy.resolve('8.8.8.8')).resolves.toEqual([{ address: '8.8.8.8', family: 4 }]);
  });

  it('refuses a raw TCP connection made through the agent to a loopback port (an https API server)', async () => {
    let accepted = 0;
    const raw: Server = createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    const port = (raw.address() as AddressInfo).port;
    const error = await new Promise<unknown>((resolve) => {
      https
        .request(`https://127.0.0.1:${port}/version`, { agent: strict().httpsAgent() }, () => resolve(undefined))
        .on('error', resolve)
        .end();
    });
    expect(error).toBeInstanceOf(EgressDeniedError);
    expect(accepted).toBe(0);
    raw.close();
  });
});
