// The SSRF attack through a kubeconfig (issue 10, item 3): a user registers a cluster whose server
// is a port of the platform's own machine, and learns from the answer whether the port is open.
import * as http from 'node:http';
import { createServer } from 'node:net';

import { CoreV1Api } from '@kubernetes/client-node';
import { EgressPolicy } from '@stagecraft/config';
import { type CountingListener, listenCounting } from '@stagecraft/testing';

import { API_SERVER_ADDRESS_REFUSED, API_SERVER_UNREACHABLE, checkConnection, parseKubeconfig } from '../src';
import { FakeKubeApiServer } from '../src/testing';

describe('the egress policy against kubeconfigs aimed at the platform itself', () => {
  let fake: FakeKubeApiServer;
  let tcp: CountingListener;

  beforeAll(async () => {
    fake = await FakeKubeApiServer.start({ token: 'egress-spec-token-0123456789' });
    tcp = await listenCounting(
      createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n')),
      '127.0.0.1',
    );
  });
  afterAll(async () => {
    await tcp.close();
    await fake.close();
  });

  const strict = () => new EgressPolicy();
  const kubeconfigFor = (server: string) => fake.kubeconfig({ server, ca: 'insecure-skip-tls-verify' });

  it.each([
    ['a loopback address', (port: number) => `https://127.0.0.1:${port}`, API_SERVER_ADDRESS_REFUSED],
    ['a name that resolves to loopback', (port: number) => `https://localhost:${port}`, API_SERVER_UNREACHABLE],
    ['an IPv4-mapped IPv6 loopback address', (port: number) => `https://[::ffff:127.0.0.1]:${port}`, API_SERVER_ADDRESS_REFUSED],
    ['plain http to loopback', (port: number) => `http://127.0.0.1:${port}`, API_SERVER_ADDRESS_REFUSED],
  ])('refuses %s and the listener sees no connection', async (_name, server, publicReason) => {
    const before = tcp.connections();
    const parsed = parseKubeconfig(kubeconfigFor(server(tcp.port)), { egress: strict() });
    if (!parsed.ok) throw new Error(parsed.problem);
    const check = await checkConnection(parsed.kubeConfig, { timeoutMs: 2000 });
    expect(check).toEqual({ ok: false, reason: expect.stringMatching(/^refused by the egress policy: /), publicReason });
    expect(JSON.stringify(check)).not.toContain(fake.token);
    // Past the connection check too: every request of the KubeConfig (here a node list) is refused at the socket.
    const listed = await parsed.kubeConfig
      .makeApiClient(CoreV1Api)
      .listNode()
      .catch((error: unknown) => error);
    expect(listed).toBeInstanceOf(Error);
    expect(tcp.connections()).toBe(before);
  });

  it('allows exactly what the administrator allowed (the fake API server on 127.0.0.1)', async () => {
    const parsed = parseKubeconfig(fake.kubeconfig(), { egress: new EgressPolicy({ allowedCidrs: '127.0.0.1/32' }) });
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(await checkConnection(parsed.kubeConfig)).toMatchObject({ ok: true });
    const other = parseKubeconfig(fake.kubeconfig(), { egress: new EgressPolicy({ allowedCidrs: '127.0.0.2/32' }) });
    if (!other.ok) throw new Error(other.problem);
    expect(await checkConnection(other.kubeConfig)).toMatchObject({ ok: false, publicReason: API_SERVER_ADDRESS_REFUSED });
  });

  it('refuses proxy-url unless the policy allows proxies', () => {
    const text = fake.kubeconfig().replace(/(\n {4}server: [^\n]+)/, `$1\n    proxy-url: "http://127.0.0.1:${tcp.port}"`);
    expect(text).toContain('proxy-url');
    const refused = parseKubeconfig(text, { egress: strict() });
    expect(refused).toEqual({ ok: false, problem: expect.stringContaining('proxy-url is not accepted') });
    expect(parseKubeconfig(text)).toMatchObject({ ok: false });
    expect(parseKubeconfig(text, { egress: new EgressPolicy({ allowProxy: true }) })).toMatchObject({ ok: true });
    expect(tcp.connections()).toBe(0);
  });

  describe('on an allowed address, what a non-administrator sees does not tell ports apart', () => {
    const HOST = '127.0.0.3';
    const policy = () => new EgressPolicy({ allowedCidrs: `${HOST}/32` });
    let nonHttp: CountingListener;
    let web: CountingListener;
    let jsonWeb: CountingListener;
    let silent: CountingListener;
    let closedPort: number;

    beforeAll(async () => {
      nonHttp = await listenCounting(
        createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n')),
        HOST,
      );
      web = await listenCounting(
        http.createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>')),
        HOST,
      );
      jsonWeb = await listenCounting(
        http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')),
        HOST,
      );
      silent = await listenCounting(createServer(), HOST);
      const closed = await listenCounting(createServer(), HOST);
      closedPort = closed.port;
      await closed.close();
    });
    afterAll(async () => {
      await Promise.all([nonHttp.close(), web.close(), jsonWeb.close(), silent.close()]);
    });

    it('gives one reason for a closed port, a non-HTTP port, a non-Kubernetes web server and a silent port', async () => {
      const servers = [
        `https://${HOST}:${closedPort}`,
        `http://${HOST}:${closedPort}`,
        `https://${HOST}:${nonHttp.port}`,
        `http://${HOST}:${nonHttp.port}`,
        `http://${HOST}:${web.port}`,
        `https://${HOST}:${web.port}`,
        `http://${HOST}:${jsonWeb.port}`,
        `https://${HOST}:${silent.port}`,
      ];
      const checks = [];
      for (const server of servers) {
        const parsed = parseKubeconfig(kubeconfigFor(server), { egress: policy() });
        if (!parsed.ok) throw new Error(parsed.problem);
        checks.push(await checkConnection(parsed.kubeConfig, { timeoutMs: 500 }));
      }
      expect(checks.map((c) => !c.ok && c.publicReason)).toEqual(servers.map(() => API_SERVER_UNREACHABLE));
      // The detail (for administrators and the log) still tells them apart: the listeners were reached.
      expect(new Set(checks.map((c) => !c.ok && c.reason)).size).toBeGreaterThan(3);
      expect(nonHttp.connections()).toBeGreaterThan(0);
      expect(web.connections()).toBeGreaterThan(0);
    });

    it('still shows what a Kubernetes API server said (a Status answer)', async () => {
      const parsed = parseKubeconfig(fake.kubeconfigWithWrongToken(), {
        egress: new EgressPolicy({ allowedCidrs: '127.0.0.1/32' }),
      });
      if (!parsed.ok) throw new Error(parsed.problem);
      expect(await checkConnection(parsed.kubeConfig)).toEqual({
        ok: false,
        reason: '401 Unauthorized',
        publicReason: '401 Unauthorized',
      });
    });
  });
});
