// `npm start` as a user runs it, for the specs that drive the whole platform through the launcher.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

import { prepareEmbeddedBaseImages } from '../src/embedded-base-images';

export const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(ROOT, 'dist', 'deploy', 'local', 'src', 'main.js');

export interface StartedLauncher {
  child: ChildProcess;
  output: () => string;
  endpoint: string;
  token: string;
}

/**
 * Compiles the tree into dist/ as `npm start` does before it launches, and makes sure the base
 * images are in the user's cache: on a machine where they are not, the first spec builds them
 * (minutes) and a second one waits for it, so every launcher after that starts in seconds.
 */
export async function prepareLauncher(): Promise<void> {
  execFileSync(process.execPath, [join(ROOT, 'deploy', 'build.mjs')], { cwd: ROOT, stdio: 'pipe' });
  await prepareEmbeddedBaseImages();
}

/** How long a spec's beforeAll may take for prepareLauncher on a machine without the base images. */
export const PREPARE_TIMEOUT_MS = 600_000;

/** Starts the launcher without NATS_URL or DATABASE_URL (it starts its own) and waits for the admin token. */
export async function startLauncher(
  dataDir: string,
  port: number,
  { timeoutMs = 90_000, env = {} }: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<StartedLauncher> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // As a user's shell would hand it on: the CAs of a TLS-inspecting proxy this machine trusts.
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
      STAGECRAFT_DATA_DIR: dataDir,
      STAGECRAFT_PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + timeoutMs;
  while (!/^Admin token: /m.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill('SIGINT');
      throw new Error(`the launcher did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    output: () => output,
    endpoint: output.match(/^GraphQL endpoint: (\S+)$/m)![1],
    token: output.match(/^Admin token: (\S+)$/m)![1],
  };
}

/** Ctrl-C; resolves with the exit code. */
export async function stopLauncher(started: StartedLauncher): Promise<number | null> {
  if (started.child.exitCode !== null) return started.child.exitCode;
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGINT');
  return exited;
}

export interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export async function graphql<T>(
  endpoint: string,
  token: string,
  text: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLAnswer<T>> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: text, variables }),
  });
  return (await response.json()) as GraphQLAnswer<T>;
}
