import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EgressPolicy } from '@stagecraft/config';

import { RegistryProxy } from './registry-proxy';

/** A request through the proxy, absolute-form as npm and pip send them to an http proxy. */
async function viaProxy(proxy: { port?: number; socketPath?: string }, url: string): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const request = httpRequest({
    ...(proxy.socketPath ? { socketPath: proxy.socketPath } : { host: '127.0.0.1', port: proxy.port }),
    method: 'GET',
    path: url,
    headers: { host: target.host },
  });
  request.end();
  const [response] = (await once(request, 'response')) as [import('node:http').IncomingMessage];
  let body = '';
  for await (const chunk of response) body += String(chunk);
  return { status: response.statusCode ?? 0, body };
}

/** CONNECT host:port through the proxy: the status line it answers. */
async function tunnel(port: number, target: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  return chunk.toString().split('\r\n')[0];
}

const listen = async <T extends Server | TcpServer>(server: T): Promise<number> => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
};

/**
 * The dependency install's only way out: whatever a lockfile or the base image's npm asks for,
 * the proxy reaches the configured package registry and refuses everything else — the
 * platform's own ports on loopback above all — before opening any connection.
 */
describe('RegistryProxy', () => {
  let registry: Server;
  let registryPort: number;
  let platform: TcpServer;
  let platformPort: number;
  let platformConnections = 0;
  const lines: string[] = [];

  beforeAll(async () => {
    registry = createHttpServer((request, response) => response.end(`registry answered ${request.url}`));
    registryPort = await listen(registry);
    platform = createTcpServer((socket) => {
      platformConnections++;
      socket.end('INFO {"server_id":"platform"}\r\n');
    });
    platformPort = await listen(platform);
  });

  afterAll(async () => {
    registry.close();
    platform.close();
  });

  const start = (registryUrl: string, egress = new EgressPolicy({ allowedCidrs: '127.0.0.1/32' })) =>
    RegistryProxy.start({ registryUrl, egress, listen: { host: '127.0.0.1' }, log: (line) => lines.push(line) });

  it('forwards requests for the registry and refuses every other destination with 403, without connecting to it', async () => {
    const proxy = await start(`http://127.0.0.1:${registryPort}/`);
    try {
      expect(await viaProxy(proxy, `http://127.0.0.1:${registryPort}/is-number`)).toEqual({
        status: 200,
        body: 'registry answered /is-number',
      });
      // The attack: a lockfile's `resolved` (or a script) aiming at the platform's NATS port.
      const refused = await viaProxy(proxy, `http://127.0.0.1:${platformPort}/`);
      expect(refused.status).toBe(403);
      expect(await tunnel(proxy.port, `127.0.0.1:${platformPort}`)).toBe('HTTP/1.1 403 Forbidden');
      expect(await tunnel(proxy.port, '169.254.169.254:80')).toBe('HTTP/1.1 403 Forbidden');
      expect(platformConnections).toBe(0);
      expect(proxy.refused).toEqual([`http://127.0.0.1:${platformPort}`, `127.0.0.1:${platformPort}`, '169.254.169.254:80']);
      expect(lines).toContain(
        `stagecraft: the install asked for http://127.0.0.1:${platformPort}, which is not the package registry http://127.0.0.1:${registryPort}/: refused`,
      );
    } finally {
      await proxy.close();
    }
  });

  it('an https registry is reachable only by CONNECT to its own host and port', async () => {
    const proxy = await start('https://registry.example.test/');
    try {
      expect(await tunnel(proxy.port, 'registry.example.test:8443')).toBe('HTTP/1.1 403 Forbidden');
      expect(await tunnel(proxy.port, `127.0.0.1:${registryPort}`)).toBe('HTTP/1.1 403 Forbidden');
      // Plain http to the registry's host is refused too: the registry is https.
      expect((await viaProxy(proxy, 'http://registry.example.test/')).status).toBe(403);
    } finally {
      await proxy.close();
    }
  });

  it('a registry on an address the egress policy refuses is not reached: 502, and the failure is kept for the build reason', async () => {
    // Loopback not allowed: the platform's policy decides, even for the configured registry.
    const proxy = await start(`http://127.0.0.1:${registryPort}/`, new EgressPolicy({ allowedCidrs: '' }));
    try {
      const answer = await viaProxy(proxy, `http://127.0.0.1:${registryPort}/is-number`);
      expect(answer.status).toBe(502);
      expect(proxy.failures).toEqual([
        `stagecraft: the package registry http://127.0.0.1:${registryPort}/ could not be reached: not allowed by the egress policy`,
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('listens on a Unix socket only its owner may use (sealed installs reach it through their bridge)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stagecraft-proxy-test-'));
    const socketPath = join(dir, 'registry.sock');
    const proxy = await RegistryProxy.start({
      registryUrl: `http://127.0.0.1:${registryPort}/`,
      egress: new EgressPolicy({ allowedCidrs: '127.0.0.1/32' }),
      listen: { socketPath },
      log: () => undefined,
    });
    try {
      expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
      expect(await viaProxy({ socketPath }, `http://127.0.0.1:${registryPort}/x`)).toEqual({
        status: 200,
        body: 'registry answered /x',
      });
    } finally {
      await proxy.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
