// Issue 10, item 3, as the attack: kubeconfigs and OBS endpoints aimed at the platform's own
// machine must not make it connect, and what a user reads must not tell port states apart.
import * as http from 'node:http';
import { createServer } from 'node:net';

import { FakeKubeApiServer } from '@stagecraft/kube/testing';
import { type CountingListener, listenCounting } from '@stagecraft/testing';

import { errorWithMessageOf, type Platform, startPlatform } from './platform-harness';

const REGISTER = `mutation($n: String!, $k: String) { registerCluster(name: $n, type: KUBERNETES, kubeconfig: $k) { id status statusReason } }`;
const GET = `query($id: ID!) { cluster(id: $id) { status statusReason } }`;
const UNREACHABLE = 'the API server could not be reached';

describe('egress policy (real services; clusters may reach only 127.0.0.3, artifacts only 127.0.0.1)', () => {
  const TOKEN = 'egress-e2e-token-that-must-not-travel-1f2e';
  const ALLOWED = '127.0.0.3';
  let platform: Platform;
  let kube: FakeKubeApiServer;
  let admin: string;
  let user: string;
  let natsLike: CountingListener;
  let allowedNonHttp: CountingListener;
  let allowedWeb: CountingListener;
  let closedPort: number;

  beforeAll(async () => {
    kube = await FakeKubeApiServer.start({ token: TOKEN });
    platform = await startPlatform({}, {}, {}, { EGRESS_ALLOWED_CIDRS: `${ALLOWED}/32` });
    admin = await platform.adminToken();
    user = (await platform.userWith(admin, 'cluster-user', ['servicestage:cluster:*'], null)).token;
    // A port of "the platform" on loopback that speaks first, as NATS does.
    natsLike = await listenCounting(
      createServer((socket) => socket.end('INFO {"server_id":"platform"}\r\n')),
      '127.0.0.1',
    );
    allowedNonHttp = await listenCounting(
      createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n')),
      ALLOWED,
    );
    allowedWeb = await listenCounting(
      http.createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>nginx</h1>')),
      ALLOWED,
    );
    const closed = await listenCounting(createServer(), ALLOWED);
    closedPort = closed.port;
    await closed.close();
  });
  afterAll(async () => {
    await Promise.all([natsLike?.close(), allowedNonHttp?.close(), allowedWeb?.close()]);
    await platform?.close();
    await kube?.close();
  });

  const kubeconfigFor = (server: string) => kube.kubeconfig({ server, ca: 'insecure-skip-tls-verify' });
  const register = (token: string, name: string, kubeconfig: string) =>
    platform.gql<{ registerCluster: { id: string; status: string; statusReason: string | null } }>(
      REGISTER,
      { n: name, k: kubeconfig },
      token,
    );

  it.each([
    ['loopback', () => `https://127.0.0.1:${natsLike.port}`],
    ['a name resolving to loopback', () => `https://localhost:${natsLike.port}`],
    ['an IPv4-mapped loopback', () => `https://[::ffff:127.0.0.1]:${natsLike.port}`],
    ['plain http to loopback', () => `http://127.0.0.1:${natsLike.port}`],
  ])('refuses a kubeconfig aimed at %s: UNAVAILABLE, and the listener sees no connection', async (_what, server) => {
    const before = natsLike.connections();
    const response = await register(user, `ssrf-${Math.random().toString(36).slice(2, 8)}`, kubeconfigFor(server()));
    expect(response.errors).toBeUndefined();
    expect(response.data!.registerCluster.status).toBe('UNAVAILABLE');
    expect(response.data!.registerCluster.statusReason).not.toMatch(/refused|reset|closed|TLS|INFO|timed out/i);
    // Refreshing tries again: still nothing reaches the port.
    await platform.gql(
      `mutation($id: ID!) { refreshCluster(id: $id) { status } }`,
      { id: response.data!.registerCluster.id },
      user,
    );
    expect(natsLike.connections()).toBe(before);
    expect(JSON.stringify(response)).not.toContain(TOKEN);
  });

  it('refuses proxy-url with BAD_USER_INPUT on kubeconfig, without connecting', async () => {
    const text = kube.kubeconfig().replace(/(\n {4}server: [^\n]+)/, `$1\n    proxy-url: "http://127.0.0.1:${natsLike.port}"`);
    const before = natsLike.connections();
    const error = errorWithMessageOf(await register(user, 'proxied', text));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'kubeconfig' });
    expect(error.message).toContain('proxy-url');
    expect(natsLike.connections()).toBe(before);
  });

  it('gives a non-administrator one reason for a closed port, a non-HTTP port and a web server; an administrator the detail', async () => {
    const servers = [
      `https://${ALLOWED}:${closedPort}`,
      `https://${ALLOWED}:${allowedNonHttp.port}`,
      `http://${ALLOWED}:${allowedWeb.port}`,
    ];
    const seen: (string | null)[] = [];
    const ids: string[] = [];
    for (const [i, server] of servers.entries()) {
      const response = await register(user, `probe-${i}`, kubeconfigFor(server));
      expect(response.data!.registerCluster.status).toBe('UNAVAILABLE');
      seen.push(response.data!.registerCluster.statusReason);
      ids.push(response.data!.registerCluster.id);
    }
    expect(seen).toEqual([UNREACHABLE, UNREACHABLE, UNREACHABLE]);
    // The open ports were reached (the address is allowed): only the answer is uniform.
    expect(allowedNonHttp.connections()).toBeGreaterThan(0);
    expect(allowedWeb.connections()).toBeGreaterThan(0);
    // Read later, by anyone: the same stored reason.
    for (const id of ids) {
      expect((await platform.gql<{ cluster: { statusReason: string } }>(GET, { id }, user)).data!.cluster.statusReason).toBe(
        UNREACHABLE,
      );
    }
    // An administrator refreshing learns what happened (and the log has it too).
    const detailed = [];
    for (const id of ids) {
      const response = await platform.gql<{ refreshCluster: { statusReason: string } }>(
        `mutation($id: ID!) { refreshCluster(id: $id) { statusReason } }`,
        { id },
        admin,
      );
      detailed.push(response.data!.refreshCluster.statusReason);
    }
    expect(detailed[0]).toBe('connection refused');
    expect(detailed[2]).toBe('404 Not Found');
    expect(new Set(detailed).size).toBe(3);
    expect(platform.logs.some((line) => line.includes('connection refused'))).toBe(true);
  });

  it('refuses an OBS endpoint on loopback that is not allowed, without connecting', async () => {
    const obs = await listenCounting(
      http.createServer((_req, res) => res.writeHead(200).end()),
      '127.0.0.2',
    );
    try {
      const configured = await platform.gql(
        `mutation($e: String!) { configureObsCredentials(endpoint: $e, region: "r", accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret-key-example") { endpoint } }`,
        { e: `http://127.0.0.2:${obs.port}` },
        admin,
      );
      expect(configured.errors).toBeUndefined();
      const registered = await platform.gql(
        `mutation { registerObsPackage(name: "obs-ssrf", version: "1", bucket: "team-bucket", objectKey: "app.zip") { id } }`,
        {},
        admin,
      );
      expect(errorWithMessageOf(registered)).toMatchObject({ code: 'UNAVAILABLE' });
      expect(errorWithMessageOf(registered).message).toContain('egress policy');
      expect(obs.connections()).toBe(0);
    } finally {
      await obs.close();
    }
  });
});
