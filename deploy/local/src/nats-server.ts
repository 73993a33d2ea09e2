import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

import { type RunningNatsServer, startNatsServerProcess } from '@stagecraft/messaging/nats-auth';

import { freePort } from './free-port';
import { which } from './which';

/**
 * `nats-server -js` from PATH on a free loopback port, with its JetStream store in
 * `<data>/nats` and the platform's authorization block: no anonymous client, each process held
 * to its own permissions.
 */
export async function startNatsServer(dataDir: string, logDir: string, authorization: string): Promise<RunningNatsServer> {
  const binary = which('nats-server');
  if (!binary) {
    throw new Error('nats-server is not on PATH: install it (Debian: apt-get install nats-server) or set NATS_URL');
  }
  const storeDir = join(dataDir, 'nats');
  mkdirSync(storeDir, { recursive: true, mode: 0o700 });
  return startNatsServerProcess({
    binary,
    port: await freePort(),
    storeDir,
    authorization,
    output: openSync(join(logDir, 'nats-server.log'), 'a'),
  });
}
