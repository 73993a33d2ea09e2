import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { type BuildUser, ensureBuildUser, findExecutable, SandboxUnavailableError } from './build-user';
import { sandboxFolderName } from './build-workdirs';

export interface BuildSandboxOptions {
  /** The unprivileged user that runs buildah (BUILD_USER). */
  user: string;
  /** Parent of every build's folder (BUILD_WORKDIR): root-owned, 0711, so builds cannot list each other. */
  workRoot: string;
  binaries?: { buildah?: string; unshare?: string; setpriv?: string; useradd?: string };
}

/** How the commands of one build run: sealed (as the build user, tenant steps in fresh namespaces) or not. */
export type SandboxMode = { sealed: true; user: BuildUser } | { sealed: false; problem: string };

export interface RunOptions {
  /** HOME, XDG_RUNTIME_DIR and TMPDIR of the command: a folder from `userDir`. */
  home: string;
  /** The step runs the tenant's code: when sealed, without network (a new, empty network namespace), in new PID, IPC, UTS and mount namespaces. */
  tenantCode: boolean;
  log: (line: string) => void;
  signal?: AbortSignal;
  /**
   * A sealed tenant step that may reach one destination: `through` wraps the step's command (still
   * root, inside the new namespaces, before dropping to the build user), e.g. a bridge to a proxy
   * outside the namespace (dependency installs). Ignored when the build is not sealed.
   */
  through?: (command: string[]) => string[];
}

/** The namespaces the tenant's steps run in: no interface but a downed loopback, and their processes die with the step. */
const SEALING = ['--net', '--pid', '--fork', '--mount-proc', '--kill-child', '--ipc', '--uts'];

/**
 * Runs CUSTOM_DOCKERFILE builds on this machine without giving the tenant's RUN steps anything
 * of the host: buildah runs rootless as the dedicated build user (uid 0 inside a user namespace
 * is that user outside), and the step that runs the tenant's code, `buildah bud`, also runs in a
 * network namespace of its own, so nothing listening on the host (NATS, Postgres, the gateway,
 * on loopback or any other address) is reachable. The checks run once; until they pass, every
 * build asks again.
 */
export class BuildSandbox {
  private ready?: Promise<BuildUser>;

  constructor(private readonly options: BuildSandboxOptions) {}

  /** Whether builds can be sealed here, and if not, what is missing. */
  async mode(): Promise<SandboxMode> {
    this.ready ??= this.check();
    try {
      return { sealed: true, user: await this.ready };
    } catch (error) {
      this.ready = undefined;
      if (error instanceof SandboxUnavailableError) return { sealed: false, problem: error.message };
      throw error;
    }
  }

  /** A new folder for one build, under the work root, named unguessably. */
  async open(mode: SandboxMode): Promise<SandboxedBuild> {
    await this.prepareRoot(mode.sealed);
    const dir = join(this.options.workRoot, sandboxFolderName(randomBytes(16).toString('hex')));
    // The build user must pass through to its own subfolders, and must not list the rest.
    await mkdir(dir, { mode: 0o700 });
    if (mode.sealed) await chmod(dir, 0o711);
    return new SandboxedBuild(dir, mode.sealed ? mode.user : null, this.binaries());
  }

  private async prepareRoot(sealed: boolean): Promise<void> {
    const root = this.options.workRoot;
    await mkdir(root, { recursive: true, mode: 0o711 });
    const stats = await lstat(root);
    if (!stats.isDirectory()) throw new Error(`BUILD_WORKDIR ${root} is not a folder`);
    if (sealed && stats.uid !== 0) await chown(root, 0, 0);
    await chmod(root, 0o711);
  }

  private binaries(): Required<NonNullable<BuildSandboxOptions['binaries']>> {
    return {
      buildah: 'buildah',
      unshare: 'unshare',
      setpriv: 'setpriv',
      useradd: 'useradd',
      ...this.options.binaries,
    };
  }

  private async check(): Promise<BuildUser> {
    const binaries = this.binaries();
    for (const tool of ['unshare', 'setpriv'] as const) {
      if (!(await findExecutable(binaries[tool])))
        throw new SandboxUnavailableError(`${binaries[tool]} is missing (Debian: apt-get install util-linux)`);
    }
    const user = await ensureBuildUser(this.options.user, binaries);
    // One rootless user namespace inside a new network namespace, as every build makes them.
    const probe = await this.open({ sealed: true, user });
    try {
      const home = await probe.userDir('probe');
      const lines: string[] = [];
      await probe
        .buildah(
          [
            '--root',
            join(home, 'root'),
            '--runroot',
            join(home, 'runroot'),
            '--storage-driver',
            'vfs',
            'unshare',
            'cat',
            '/proc/self/uid_map',
          ],
          {
            home,
            tenantCode: true,
            log: (line) => lines.push(line),
          },
        )
        .catch((error: Error) => {
          throw new SandboxUnavailableError(
            `rootless buildah does not run here as ${user.name} in a network namespace of its own (are user namespaces allowed?): ${error.message}`,
          );
        });
      const mapped = lines.map((line) => line.trim().split(/\s+/).map(Number)).find(([inside]) => inside === 0);
      if (!mapped || mapped[1] !== user.uid)
        throw new SandboxUnavailableError(
          `rootless buildah did not map uid 0 to ${user.name} (uid ${user.uid}): ${lines.join(' | ')}`,
        );
    } finally {
      await probe.dispose();
    }
    return user;
  }
}

/** One build's folder, and buildah run the way this build runs it. */
export class SandboxedBuild {
  constructor(
    /** Root-owned: 0711 when sealed, else 0700. */
    readonly dir: string,
    /** Null when the build is not sealed: buildah then runs as this process, on the host's network. */
    readonly user: BuildUser | null,
    private readonly binaries: { buildah: string; unshare: string; setpriv: string },
  ) {}

  get sealed(): boolean {
    return this.user !== null;
  }

  /** A fresh folder (under `dir`, a random suffix when asked) owned by the build user, 0700, with `run` and `tmp` inside. */
  async userDir(name: string, unique = false): Promise<string> {
    const path = join(this.dir, unique ? `${name}-${randomBytes(8).toString('hex')}` : name);
    await mkdir(path, { mode: 0o700 });
    for (const sub of ['run', 'tmp']) await mkdir(join(path, sub), { mode: 0o700 });
    await this.giveToUser(path, join(path, 'run'), join(path, 'tmp'));
    return path;
  }

  /** Hands files this process wrote (before any tenant code ran) to the build user. */
  async giveToUser(...paths: string[]): Promise<void> {
    if (!this.user) return;
    for (const path of paths) await chown(path, this.user.uid, this.user.gid);
  }

  /** Runs buildah as the build user, with an environment of its own (nothing of this process's). */
  buildah(args: string[], options: RunOptions): Promise<void> {
    const env = {
      PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
      HOME: options.home,
      XDG_RUNTIME_DIR: join(options.home, 'run'),
      TMPDIR: join(options.home, 'tmp'),
      LANG: 'C.UTF-8',
    };
    if (!this.user) return run(this.binaries.buildah, args, env, options);
    const drop = [this.binaries.setpriv, `--reuid=${this.user.uid}`, `--regid=${this.user.gid}`, '--clear-groups', '--'];
    const step = [...drop, this.binaries.buildah, ...args];
    return options.tenantCode
      ? run(this.binaries.unshare, [...SEALING, '--', ...(options.through ? options.through(step) : step)], env, options)
      : run(drop[0], step.slice(1), env, options);
  }

  dispose(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** buildah's options keeping its images and containers (vfs storage) in `dir`/storage. */
export function buildahStorage(dir: string): string[] {
  return ['--root', join(dir, 'storage', 'root'), '--runroot', join(dir, 'storage', 'run'), '--storage-driver', 'vfs'];
}

/** Runs a command, passing each output line to `log`; rejects with its last line (and `exitCode`) when it fails. */
export function run(
  binary: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { log: (line: string) => void; signal?: AbortSignal },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env, signal: options.signal, cwd: '/' });
    let last = '';
    const emit = (line: string) => {
      if (!line.trim()) return;
      last = line;
      options.log(line);
    };
    // Whole lines only: a chunk may end in the middle of one.
    const lines = (stream: NodeJS.ReadableStream) => {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (pending + chunk).split('\n');
        pending = parts.pop()!;
        parts.forEach(emit);
      });
      stream.on('end', () => emit(pending));
    };
    lines(child.stdout);
    lines(child.stderr);
    child.on('error', (error) =>
      reject(new Error((error as NodeJS.ErrnoException).code === 'ENOENT' ? `${binary} is not installed` : error.message)),
    );
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(Object.assign(new Error(last || `${binary} exited with code ${code}`), { exitCode: code })),
    );
  });
}
