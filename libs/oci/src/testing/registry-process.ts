import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { type DockerRegistryConfig, dockerRegistryConfig, type DockerRegistryTokenAuth } from '../docker-registry-config';

const run = promisify(execFile);

export interface TestRegistryOptions {
  /** Turns on htpasswd Basic auth with this one user (bcrypt, via `htpasswd -Bbc`). */
  basicAuth?: { username: string; password: string };
  /** Turns on token auth (the distribution token spec): tokens from `realm`, signed with the certificate's key. */
  tokenAuth?: DockerRegistryTokenAuth;
  /** The binary; `docker-registry` (Debian's CNCF distribution) from PATH by default. */
  binary?: string;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, as in image references. */
  host: string;
  port: number;
  /** The temp folder holding config, storage and logs. */
  dir: string;
  /** Kills the process group, waits for it, removes the folder. Safe to call twice. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

/**
 * Starts a real `docker-registry` on a free loopback port in a temp folder, with filesystem
 * storage, deletes enabled and optional Basic auth. It runs in its own process group, so `stop`
 * leaves nothing behind.
 */
export async function startTestRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  // The free port is found before the registry binds it; another process may take it meanwhile.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(options: TestRegistryOptions): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'stagecraft-registry-'));
  let child: ChildProcess | null = null;
  const stop = async () => {
    if (child) await killGroup(child);
    child = null;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    if (options.basicAuth) {
      await run('htpasswd', ['-Bbc', join(dir, 'htpasswd'), options.basicAuth.username, options.basicAuth.password]);
    }
    const config = dockerRegistryConfig({
      rootDirectory: join(dir, 'data'),
      port,
      logLevel: 'error',
      accessLog: false,
      auth: authOf(options, dir),
    });
    await writeFile(join(dir, 'config.yml'), config);
    const output: Buffer[] = [];
    const started = spawn(options.binary ?? 'docker-registry', ['serve', join(dir, 'config.yml')], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    started.stdout?.on('data', (d: Buffer) => output.push(d));
    started.stderr?.on('data', (d: Buffer) => output.push(d));
    await waitUntilReady(started, port, () => Buffer.concat(output).toString());
    return { host: `127.0.0.1:${port}`, port, dir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function authOf(options: TestRegistryOptions, dir: string): DockerRegistryConfig['auth'] {
  if (options.basicAuth) return { htpasswd: { realm: 'stagecraft-test', path: join(dir, 'htpasswd') } };
  return options.tokenAuth ? { token: options.tokenAuth } : undefined;
}

async function waitUntilReady(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`docker-registry exited before it was ready: ${output().slice(-2000)}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v2/`);
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`docker-registry did not answer on port ${port} within ${READY_TIMEOUT_MS} ms: ${output().slice(-2000)}`);
}

async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group is gone already
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/** A port the OS just handed out; the registry binds it a moment later. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
