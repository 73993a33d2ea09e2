import { createServer, Socket } from 'node:net';

import { EgressPolicy } from '@stagecraft/config';

import { API_SERVER_UNREACHABLE, checkConnection, parseKubeconfig } from '../src';
import { FakeKubeApiServer } from '../src/testing';

describe('checkConnection against the fake API server', () => {
  let fake: FakeKubeApiServer;

  beforeAll(async () => {
    fake = await FakeKubeApiServer.start({ token: 'connection-spec-token-0123456789' });
  });
  afterAll(() => fake.close());

  const connect = async (text: string, timeoutMs?: number) => {
    // The fake listens on 127.0.0.1: allowed explicitly, as an administrator would (EGRESS_ALLOWED_CIDRS).
    const parsed = parseKubeconfig(text, { egress: new EgressPolicy({ allowedCidrs: '127.0.0.1/32' }) });
    if (!parsed.ok) throw new Error(parsed.problem);
    return checkConnection(parsed.kubeConfig, { timeoutMs });
  };

  it('answers with the version for a token kubeconfig, with TLS verification on', async () => {
    expect(await connect(fake.kubeconfig())).toEqual({
      ok: true,
      version: { gitVersion: 'v1.31.0', major: '1', minor: '31', platform: 'linux/amd64' },
    });
    const last = fake.requests.at(-1);
    expect(last).toMatchObject({
      method: 'GET',
      path: '/version',
      user: 'token-user',
      headers: { authorization: 'Bearer [redacted]' },
    });
  });

  it('works with a client certificate instead of a token', async () => {
    expect(await connect(fake.kubeconfig({ credential: 'client-certificate' }))).toMatchObject({ ok: true });
    expect(fake.requests.at(-1)?.user).toBe('stagecraft-test');
  });

  it('works with insecure-skip-tls-verify', async () => {
    expect(await connect(fake.kubeconfig({ ca: 'insecure-skip-tls-verify' }))).toMatchObject({ ok: true });
  });

  it.each([
    [
      'an untrusted CA',
      () => fake.kubeconfigWithWrongCa(),
      'TLS: certificate signed by unknown authority',
      API_SERVER_UNREACHABLE,
    ],
    [
      'no CA at all (the system roots do not know the fake)',
      () => fake.kubeconfig({ ca: 'none' }),
      'TLS: certificate signed by unknown authority',
      API_SERVER_UNREACHABLE,
    ],
    ['a wrong token', () => fake.kubeconfigWithWrongToken(), '401 Unauthorized', '401 Unauthorized'],
    [
      'a server name the certificate does not cover',
      () => fake.kubeconfig({ tlsServerName: 'api.example.com' }),
      'TLS: the server certificate is not valid for this host name',
      API_SERVER_UNREACHABLE,
    ],
  ])('explains %s', async (_name, kubeconfig, reason, publicReason) => {
    const text = kubeconfig();
    const result = await connect(text);
    expect(result).toEqual({ ok: false, reason, publicReason });
    expect(JSON.stringify(result)).not.toContain(fake.token);
  });

  it('explains a 503 from an unavailable server', async () => {
    fake.setUnavailable(true);
    try {
      expect(await connect(fake.kubeconfig())).toEqual({
        ok: false,
        reason: '503 Service Unavailable',
        publicReason: '503 Service Unavailable',
      });
    } finally {
      fake.setUnavailable(false);
    }
  });

  it('explains a server that is down', async () => {
    const gone = await FakeKubeApiServer.start();
    const text = gone.kubeconfig();
    await gone.close();
    expect(await connect(text)).toEqual({ ok: false, reason: 'connection refused', publicReason: API_SERVER_UNREACHABLE });
  });

  it('gives up after the timeout on a server that never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      expect(await connect(fake.kubeconfig({ server: `https://127.0.0.1:${port}` }), 300)).toEqual({
        ok: false,
        reason: 'timed out after 300 ms',
        publicReason: API_SERVER_UNREACHABLE,
      });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
