import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export interface NatsServerProcessOptions {
  /** The nats-server binary. */
  binary: string;
  port: number;
  /** JetStream's store; the configuration file is written beside it. */
  storeDir: string;
  /** The `authorization { … }` block (natsAuthorizationBlock). */
  authorization: string;
  /** Where the server's output goes: a file descriptor, or 'ignore'. */
  output: number | 'ignore';
}

export interface RunningNatsServer {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * nats-server with JetStream on loopback only, held to an authorization block: the embedded
 * default and the test suite both run NATS this way (nobody connects without credentials).
 */
export async function startNatsServerProcess(options: NatsServerProcessOptions): Promise<RunningNatsServer> {
  const configFile = join(options.storeDir, 'nats-server.conf');
  const config = [
    'host: "127.0.0.1"',
    `port: ${options.port}`,
    `jetstream { store_dir: ${JSON.stringify(options.storeDir)} }`,
    options.authorization,
  ].join('\n');
  writeFileSync(configFile, config, { mode: 0o600 });
  const child = spawn(options.binary, ['-c', configFile], { stdio: ['ignore', options.output, options.output] });
  let exitCode: number | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code ?? -1;
      resolve();
    }),
  );
  const deadline = Date.now() + 10_000;
  while (!(await accepts(options.port))) {
    if (exitCode !== null) throw new Error(`nats-server exited with code ${exitCode} at start (configuration ${configFile})`);
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on port ${options.port} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `nats://127.0.0.1:${options.port}`,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
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
