import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PROCESS_IDENTITIES, type ProcessIdentity } from '@stagecraft/contracts';
import {
  generateNatsIdentity,
  natsAuthorizationBlock,
  type NatsUser,
  processNatsUsers,
  startNatsServerProcess,
} from '@stagecraft/messaging';

/**
 * The identity tests use to play the parts no Stagecraft process plays: administering streams of
 * the JetStream library's own tests, a fake service of a test. It holds every right, as the
 * key of a NATS operator would; no Stagecraft process ever runs with it.
 */
export const TEST_OPERATOR = 'operator';

/** Every test file picks a prefix of one token (testSubjectPrefix), so `*.` covers them all. */
export const TEST_SUBJECT_PREFIX_PATTERN = '*.';

export interface TestNatsServer {
  url: string;
  /** Identity → NKey seed. */
  seeds: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A nats-server of the test run's own, with authentication and the same generated permissions
 * as production: the suite never connects anonymously, and a test that breaks a permission fails.
 */
export async function startTestNatsServer(): Promise<TestNatsServer> {
  const binary = execFileSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).trim();
  const storeDir = mkdtempSync(join(tmpdir(), 'stagecraft-test-nats-'));
  const seeds: Record<string, string> = {};
  const publicKeys = {} as Record<ProcessIdentity, string>;
  for (const identity of PROCESS_IDENTITIES) {
    const keys = generateNatsIdentity();
    seeds[identity] = keys.seed;
    publicKeys[identity] = keys.publicKey;
  }
  const operator = generateNatsIdentity();
  seeds[TEST_OPERATOR] = operator.seed;
  const users: NatsUser[] = [
    ...processNatsUsers(publicKeys, { subjectPrefix: TEST_SUBJECT_PREFIX_PATTERN }),
    { identity: TEST_OPERATOR, publicKey: operator.publicKey },
  ];
  const server = await startNatsServerProcess({
    binary,
    port: await freePort(),
    storeDir,
    authorization: natsAuthorizationBlock(users),
    output: 'ignore',
  });
  return {
    url: server.url,
    seeds,
    stop: async () => {
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** Makes the server known to this process and to every Jest worker started after it. */
export function exportTestNatsServer(server: TestNatsServer): void {
  process.env.TEST_NATS_URL = server.url;
  process.env.TEST_NATS_SEEDS = JSON.stringify(server.seeds);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

let started: Promise<TestNatsServer | undefined> | undefined;

/**
 * For programs outside Jest (the benchmarks): starts the test nats-server unless one is known
 * already. Stop it with stopEnsuredTestNatsServer: the running server is a child process, which
 * keeps the process alive, so waiting for the process to end by itself would wait forever.
 */
export function ensureTestNatsServer(): Promise<void> {
  if (process.env.TEST_NATS_URL && process.env.TEST_NATS_SEEDS && !started) return Promise.resolve();
  started ??= startTestNatsServer().then((server) => {
    exportTestNatsServer(server);
    return server;
  });
  return started.then(() => undefined);
}

/** Stops the server ensureTestNatsServer started (nothing when it found one already). */
export async function stopEnsuredTestNatsServer(): Promise<void> {
  const server = await started;
  started = undefined;
  await server?.stop();
}
