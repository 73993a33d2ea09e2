import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { skopeoInspect } from '@stagecraft/oci/testing';
import { stopAfterEach } from '@stagecraft/testing';
import { connect as connectNats } from 'nats';

import { freePort } from '../src/free-port';
import { graphql, PREPARE_TIMEOUT_MS, prepareLauncher, ROOT, startLauncher, stopLauncher } from './launcher-process';
import { childrenOf, commandLineOf, isAlive } from './process-tree';

const MAIN = join(ROOT, 'dist', 'deploy', 'local', 'src', 'main.js');
// Every launcher a test started is stopped after it too, with its processes, when a failed assertion skipped the test's own stop.
const stopLater = stopAfterEach();
const start = async (dataDir: string, port: number) => {
  const started = await startLauncher(dataDir, port);
  // A launcher stopped or killed -9 has exited already: stopLauncher would wait for that exit again.
  stopLater(async () => {
    if (started.child.exitCode === null && started.child.signalCode === null) await stopLauncher(started);
  });
  return started;
};
const stop = stopLauncher;

async function query<T>(endpoint: string, token: string, text: string): Promise<T> {
  return (await graphql<T>(endpoint, token, text)).data!;
}

async function me(endpoint: string, token: string) {
  return (await query<{ me: { id: string; name: string; isAdmin: boolean } }>(endpoint, token, '{ me { id name isAdmin } }')).me;
}

async function clusters(endpoint: string, token: string) {
  const data = await query<{
    clusters: { edges: { node: { name: string; type: string; status: string; enterpriseProject: { name: string } } }[] };
  }>(endpoint, token, '{ clusters { edges { node { name type status enterpriseProject { name } } } } }');
  return data.clusters.edges.map((edge) => edge.node);
}

function portAccepts(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/health`).then(
    () => true,
    () => false,
  );
}

describe('npm start (the dev launcher, embedded Postgres and nats-server)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stagecraft-start-'));

  beforeAll(() => prepareLauncher(), PREPARE_TIMEOUT_MS);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Issue 9: every secret of the data folder is the platform user's alone, and NATS takes no anonymous client. */
  async function expectSealedSecrets(folder: string): Promise<void> {
    const mode = (path: string) => (statSync(join(folder, path)).mode & 0o777).toString(8);
    expect(mode('keys')).toBe('700');
    expect(mode('keys/nats')).toBe('700');
    for (const file of [
      'admin-credentials.json',
      'postgres-password',
      'keys/iam-signing-key.pem',
      'keys/secrets.key',
      'keys/registry-token.key',
      'keys/nats/authorization.conf',
      'nats/nats-server.conf',
    ])
      expect([file, mode(file)]).toEqual([file, '600']);
    for (const identity of ['gateway', 'iam', 'jobs', 'artifacts', 'clusters', 'builds'])
      expect(mode(`keys/nats/${identity}.nk`)).toBe('600');
    const natsPort = /^port: (\d+)$/m.exec(readFileSync(join(folder, 'nats', 'nats-server.conf'), 'utf8'))![1];
    await expect(connectNats({ servers: `nats://127.0.0.1:${natsPort}`, reconnect: false })).rejects.toThrow(
      /authorization violation/i,
    );
  }

  /** Issue 14: a process whose stdout is a file (not a terminal) logs one JSON object per line. */
  function expectJsonLog(file: string, service: string, started: string): void {
    const lines = readFileSync(join(dataDir, 'logs', file), 'utf8')
      .trimEnd()
      .split('\n');
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    });
    expect(lines.filter((_line, index) => parsed[index] === undefined)).toEqual([]);
    const records = parsed.filter((record) => record !== undefined);
    expect(records.filter((record) => record['service'] !== service || typeof record['level'] !== 'string')).toEqual([]);
    expect(records.filter((record) => Number.isNaN(Date.parse(String(record['time']))))).toEqual([]);
    expect(records).toContainEqual(expect.objectContaining({ level: 'info', context: expect.any(String), msg: started }));
  }

  it('prints the endpoint and an admin token, stops everything on Ctrl-C, and reuses the data next time', async () => {
    const port = await freePort();
    const first = await start(dataDir, port);
    expect(first.endpoint).toBe(`http://127.0.0.1:${port}/graphql`);
    expect(first.output()).toMatch(/^Registry: 127\.0\.0\.1:\d+$/m);
    const admin = await me(first.endpoint, first.token);
    // Issue 10: iam's default lifetime is 15 minutes; the launcher keeps its printed token at 12 hours.
    const claims = JSON.parse(Buffer.from(first.token.split('.')[1], 'base64url').toString('utf8'));
    expect(claims.exp - claims.iat).toBe(12 * 3600);
    expect(admin).toMatchObject({ name: 'admin', isAdmin: true });
    const local = [{ name: 'local', type: 'LOCAL', status: 'AVAILABLE', enterpriseProject: { name: 'default' } }];
    expect(await clusters(first.endpoint, first.token)).toEqual(local);
    const health = await fetch(first.endpoint.replace('/graphql', '/health'));
    expect(await health.json()).toMatchObject({
      status: 'ok',
      services: { iam: { status: 'ok' }, artifacts: { status: 'ok' }, clusters: { status: 'ok' } },
    });
    await expectSealedSecrets(dataDir);
    expectJsonLog('iam.log', 'iam', 'Nest microservice successfully started');
    expectJsonLog('gateway.log', 'gateway', 'Nest application successfully started');
    // Issue 12: the registry asks iam for every request; the base images are PUBLIC.
    const registry = /^Registry: (\S+)$/m.exec(first.output())![1];
    const challenge = await fetch(`http://${registry}/v2/eclipse-temurin/manifests/17-jre`);
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toContain(`realm="http://127.0.0.1:${port}/registry/token"`);
    expect((await skopeoInspect(`${registry}/eclipse-temurin:17-jre`)).Labels).toMatchObject({
      'org.opencontainers.image.title': 'eclipse-temurin:17-jre',
    });
    expect(await stop(first)).toBe(130);
    expect(await portAccepts(port)).toBe(false);

    const second = await start(dataDir, port);
    expect((await me(second.endpoint, second.token)).id).toBe(admin.id);
    expect(await clusters(second.endpoint, second.token)).toHaveLength(1);
    expect(await stop(second)).toBe(130);
  }, 240_000);

  it('refuses a second launcher on the same data folder, and takes every child down with it when killed -9', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'stagecraft-kill-'));
    try {
      const running = await start(folder, await freePort());
      let refusal = '';
      try {
        execFileSync(process.execPath, [MAIN], {
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            STAGECRAFT_DATA_DIR: folder,
            STAGECRAFT_PORT: String(await freePort()),
          },
          stdio: 'pipe',
          timeout: 60_000,
        });
      } catch (error) {
        refusal = String((error as { stderr: Buffer }).stderr);
      }
      expect(refusal).toContain(
        `Stagecraft did not start: another Stagecraft (pid ${running.child.pid}) is running on ${folder}`,
      );
      // The first one is untouched by the refused start.
      expect((await me(running.endpoint, running.token)).name).toBe('admin');

      const children = childrenOf(running.child.pid!);
      // Any a failed assertion leaves alive once its launcher is killed -9 are killed after the test (same pid, same command).
      for (const pid of children) {
        const command = commandLineOf(pid);
        stopLater(() => isAlive(pid) && commandLineOf(pid) === command && process.kill(pid, 'SIGKILL'));
      }
      expect(children.length).toBeGreaterThanOrEqual(8); // six services, nats-server, registry, postgres
      running.child.kill('SIGKILL');
      const deadline = Date.now() + 20_000;
      while (children.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(children.filter(isAlive)).toEqual([]);

      // The lock of the killed launcher is taken over: the next start works.
      const next = await start(folder, await freePort());
      expect((await me(next.endpoint, next.token)).name).toBe('admin');
      expect(await stop(next)).toBe(130);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 240_000);

  it('names what to install when nats-server is missing and NATS_URL is unset', () => {
    let output = '';
    try {
      execFileSync(process.execPath, [MAIN], {
        env: {
          PATH: '/nonexistent',
          STAGECRAFT_DATA_DIR: join(dataDir, 'no-nats'),
          DATABASE_URL: 'postgres://unused@127.0.0.1:1/x',
        },
        stdio: 'pipe',
      });
    } catch (error) {
      output = String((error as { stderr: Buffer }).stderr);
    }
    expect(output.trim()).toBe(
      'Stagecraft did not start: nats-server is not on PATH: install it (Debian: apt-get install nats-server) or set NATS_URL',
    );
  });
});
