import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

import { freePort, waitFor } from './free-port';
import { which } from './which';

export interface RunningNats {
  url: string;
  stop(): Promise<void>;
}

/** `nats-server -js` from PATH on a free port, with its JetStream store in `<data>/nats`. */
export async function startNatsServer(dataDir: string, logDir: string): Promise<RunningNats> {
  const binary = which('nats-server');
  if (!binary) {
    throw new Error('nats-server is not on PATH: install it (Debian: apt-get install nats-server) or set NATS_URL');
  }
  const storeDir = join(dataDir, 'nats');
  mkdirSync(storeDir, { recursive: true });
  const port = await freePort();
  const log = openSync(join(logDir, 'nats-server.log'), 'a');
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(() => accepts(port), 10_000, `nats-server did not start; see ${join(logDir, 'nats-server.log')}`);
  return {
    url: `nats://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
