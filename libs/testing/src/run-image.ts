import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { formatRegistryAuthFile } from '@stagecraft/oci';

const execFileAsync = promisify(execFile);

/** A container started from an image as a runtime would: its Entrypoint + Cmd, Env, WorkingDir and User. */
export interface RunningImage {
  /** Everything the container printed so far. */
  output(): string;
  /** Settles when the container's command ends, with its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Polls `url` until it answers (any HTTP status) or the container exits; throws with its output otherwise. */
  waitForHttp(url: string, timeoutMs: number): Promise<Response>;
  stop(): Promise<void>;
}

export interface RunImageOptions {
  /** Added to (and overriding) the image's Env. */
  env?: Record<string, string>;
  /** Loopback registries speak plain HTTP. */
  tlsVerify?: boolean;
  /** Instead of the image's Entrypoint + Cmd, as `docker run --entrypoint '' image command…` would. */
  command?: string[];
  /** A registry login for the pull (a PRIVATE image), given to buildah in an auth file, never on its command line. */
  creds?: { username: string; password: string };
}

interface ImageRuntimeConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
}

/**
 * Runs `image` until its command ends: its exit code (null when a signal ended it) and what it
 * printed. The container and its storage (a whole root file system) are removed either way.
 */
export async function runToEnd(image: string, options: RunImageOptions = {}): Promise<{ code: number | null; output: string }> {
  const container = await runImage(image, options);
  try {
    return { code: await container.exited, output: container.output() };
  } finally {
    await container.stop();
  }
}

/**
 * Runs `image` with buildah (`from` + `run --isolation chroot`, vfs storage in a folder of its own):
 * works as root on machines without a container engine. The container shares the host's network,
 * so a server in it answers on 127.0.0.1 at the port it listens on.
 */
export async function runImage(image: string, options: RunImageOptions = {}): Promise<RunningImage> {
  const storage = await mkdtemp(join(tmpdir(), 'stagecraft-run-image-'));
  const flags = ['--root', join(storage, 'root'), '--runroot', join(storage, 'run'), '--storage-driver', 'vfs'];
  const buildah = async (...args: string[]) =>
    (await execFileAsync('buildah', [...flags, ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
  let container: string;
  try {
    const auth: string[] = [];
    if (options.creds) {
      const file = join(storage, 'auth.json');
      await writeFile(file, formatRegistryAuthFile({ [image.split('/')[0]]: options.creds }), { mode: 0o600 });
      auth.push('--authfile', file);
    }
    container = await buildah('from', '--quiet', ...auth, `--tls-verify=${options.tlsVerify ?? false}`, `docker://${image}`);
  } catch (error) {
    await rm(storage, { recursive: true, force: true });
    throw new Error(`buildah from ${image} failed: ${(error as Error).message}`);
  }
  const inspected = JSON.parse(await buildah('inspect', '--type', 'container', container)) as {
    OCIv1: { config?: ImageRuntimeConfig };
  };
  const config = inspected.OCIv1.config ?? {};
  const command = options.command ?? [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (command.length === 0) throw new Error(`${image} names no Entrypoint or Cmd: nothing to run`);
  const env = Object.entries(options.env ?? {}).flatMap(([name, value]) => ['--env', `${name}=${value}`]);

  let output = '';
  // detached: its own process group, so stop() ends the server with buildah's runtime.
  const child: ChildProcess = spawn('buildah', [...flags, 'run', '--isolation', 'chroot', ...env, container, '--', ...command], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
    await buildah('rm', container).catch(() => undefined);
    await rm(storage, { recursive: true, force: true });
  };

  return {
    output: () => output,
    exited,
    async waitForHttp(url, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`${image} exited (${child.exitCode ?? child.signalCode}) before ${url} answered:\n${output}`);
        try {
          return await fetch(url, { signal: AbortSignal.timeout(2_000) });
        } catch {
          if (Date.now() > deadline)
            throw new Error(`${url} did not answer within ${timeoutMs} ms; ${image} printed:\n${output}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    },
    stop,
  };
}
