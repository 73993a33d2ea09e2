import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { TechStack } from '@stagecraft/contracts';
import { prepareBuildContext } from '@stagecraft/oci';

export interface BuildahBuild {
  dockerfile: string;
  techStack: TechStack;
  packageFile: string;
  workdir: string;
  target: string;
  labels: Record<string, string>;
  log: (line: string) => void;
  onPush: () => Promise<void>;
  signal: AbortSignal;
}

const INSTALL_HINT = 'install buildah (Debian: apt-get install buildah) to build CUSTOM_DOCKERFILE jobs on a LOCAL cluster';

/**
 * CUSTOM_DOCKERFILE builds on this machine: `buildah bud` with vfs storage and chroot isolation
 * (no daemon, no root-only kernel features), then `buildah push`. The build context is laid out by
 * `prepareBuildContext`, as the build container's `fetch` does for BuildKit on Kubernetes.
 */
export class BuildahBuilder {
  private availability?: Promise<string | null>;

  constructor(
    private readonly credentials: Record<string, { username: string; password: string }>,
    private readonly binary = 'buildah',
  ) {}

  /** Null when buildah works here, else why not and what to install. */
  unavailableReason(): Promise<string | null> {
    this.availability ??= run(this.binary, ['--version'], () => undefined).then(
      () => null,
      (error: Error) => `buildah does not work on this machine (${error.message}): ${INSTALL_HINT}`,
    );
    return this.availability;
  }

  async build(request: BuildahBuild): Promise<{ digest: string }> {
    const context = join(request.workdir, 'context');
    const storage = join(request.workdir, 'storage');
    const { dockerfilePath } = await prepareBuildContext(context, request);
    const common = ['--root', join(storage, 'root'), '--runroot', join(storage, 'run'), '--storage-driver', 'vfs'];
    const labels = Object.entries(request.labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
    try {
      await run(
        this.binary,
        [
          ...common,
          'bud',
          '--isolation',
          'chroot',
          '--layers=false',
          '-f',
          dockerfilePath,
          '-t',
          request.target,
          ...labels,
          context,
        ],
        request.log,
        request.signal,
      );
      await request.onPush();
      const digestFile = join(request.workdir, 'digest');
      const host = request.target.split('/')[0];
      const creds = this.credentials[host];
      const insecure = /^(localhost|127\.|\[::1\])/.test(host);
      await run(
        this.binary,
        [
          ...common,
          'push',
          `--tls-verify=${!insecure}`,
          ...(creds ? ['--creds', `${creds.username}:${creds.password}`] : []),
          '--digestfile',
          digestFile,
          request.target,
          `docker://${request.target}`,
        ],
        request.log,
        request.signal,
      );
      return { digest: (await readFile(digestFile, 'utf8')).trim() };
    } finally {
      await rm(storage, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/** Runs a command, passing each output line to `log`; rejects with its last line when it fails. */
function run(binary: string, args: string[], log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let last = '';
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        last = line;
        log(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) =>
      reject(new Error((error as NodeJS.ErrnoException).code === 'ENOENT' ? `${binary} is not installed` : error.message)),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(last || `${binary} exited with code ${code}`))));
  });
}
