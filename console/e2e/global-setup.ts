// Starts the platform as a user does (`npm start`: build, then the launcher) on a throwaway data
// folder and a free port; the specs read where it is from the environment this sets.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export default async function globalSetup(): Promise<() => Promise<void>> {
  execFileSync(process.execPath, [join(ROOT, 'deploy', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  // The embedded base images, from the user's cache (built once per machine, minutes).
  execFileSync(process.execPath, [join(ROOT, 'dist', 'deploy', 'local', 'src', 'base-images.cli.js')], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'stagecraft-console-'));
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'deploy', 'local', 'src', 'main.js')], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
      STAGECRAFT_DATA_DIR: dataDir,
      STAGECRAFT_PORT: String(port),
      // The Kubernetes spec's fake API server listens on loopback, which clusters refuses unless told.
      EGRESS_ALLOWED_CIDRS: '127.0.0.1/32',
      // Its fake cluster reports a made-up image digest that no registry holds: nothing could be
      // attested (as in deploy/local/test/replica-faults.e2e-spec.ts). Attestation is tested in
      // services/builds/test/build-attestations and gateway/test/attestations.
      STAGECRAFT_ATTESTATIONS: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Generous: the first start on a busy machine (a CI run of the whole suite) has been seen past 2 minutes.
  const output = await waitForLine(child, /^Press Ctrl-C to stop\./m, 300_000);
  process.env.STAGECRAFT_CONSOLE_URL = lineOf(output, 'Console');
  process.env.STAGECRAFT_DATA_DIR = dataDir;
  process.env.STAGECRAFT_REGISTRY = lineOf(output, 'Registry');
  process.env.STAGECRAFT_ADMIN_TOKEN = lineOf(output, 'Admin token');
  process.env.STAGECRAFT_LAUNCHER_PID = String(child.pid);
  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
}

/** The value of the launcher's `Name: value` line. */
function lineOf(output: string, name: string): string {
  const value = new RegExp(`^${name}: (\\S+)`, 'm').exec(output)?.[1];
  if (!value) throw new Error(`the launcher printed no "${name}:" line:\n${output}`);
  return value;
}

function waitForLine(child: ChildProcess, line: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail('did not start in time'), timeoutMs);
    const onExit = (code: number | null) => fail(`exited with ${code}`);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!line.test(output)) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(output);
    };
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGINT');
      reject(new Error(`the platform ${why}:\n${output}`));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

/**
 * A free port below Linux's ephemeral range (32768–60999): one the OS picked could be handed
 * again to one of the ports the launcher asks the OS for before the gateway binds this one.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
}
