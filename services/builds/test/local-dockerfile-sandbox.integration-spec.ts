import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { buildZip } from '@stagecraft/archive/testing';
import { EgressPolicy } from '@stagecraft/config';
import type { BuildSpecDto } from '@stagecraft/contracts';
import { parseDockerfile, scanForSecrets } from '@stagecraft/dockerfile';
import { buildLayerInMemory, FAMILY_MEDIA_TYPES, type ImageManifest, RegistryClient, sha256Digest } from '@stagecraft/oci';
import { readTarEntries, startTestRegistry, type TestRegistry } from '@stagecraft/oci/testing';

import type { ExecutionHooks, ExecutionOutcome } from '../src/builds/executors/build-executor';
import { BuildSandbox, type BuildSandboxOptions } from '../src/builds/executors/build-sandbox';
import { BuildahBuilder } from '../src/builds/executors/buildah.builder';
import { LocalExecutor } from '../src/builds/executors/local.executor';
import type { BuildEntity } from '../src/builds/infra/build.entity';
import { queuedBuild } from './queued-build';

const exec = promisify(execFile);

const BUILD_USER = 'stagecraft-build';
const REGISTRY_USER = { username: 'pusher', password: `registry-password-${randomBytes(6).toString('hex')}` };

/**
 * A static program that does what the tenant's RUN step did in the reported attack: leave the
 * chroot (chroot into a subfolder while the working folder stays outside, climb, chroot there),
 * then try to read each file it is given and print what happened.
 */
const ESCAPE_C = String.raw`
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
  mkdir("/.escape", 0700);
  if (chroot("/.escape") != 0) printf("escape: chroot failed: %s\n", strerror(errno));
  for (int i = 0; i < 64; i++) chdir("..");
  if (chroot(".") != 0) printf("escape: chroot . failed: %s\n", strerror(errno));
  for (int i = 1; i < argc; i++) {
    char buf[256];
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) { printf("read %s: DENIED %s\n", argv[i], strerror(errno)); continue; }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    printf("read %s: OK %s\n", argv[i], buf);
    close(fd);
  }
  return 0;
}
`;

/** A Linux image with a static busybox (sh, id, cat, nc, …) and the escape program: the base the tenant names in FROM. */
async function pushBaseImage(client: RegistryClient, dir: string): Promise<void> {
  const escape = join(dir, 'escape');
  await writeFile(`${escape}.c`, ESCAPE_C);
  await exec('gcc', ['-static', '-Os', '-o', escape, `${escape}.c`]);
  const busybox = await readFile('/bin/busybox');
  const { stdout } = await exec('file', ['-L', '/bin/busybox']).catch(() => ({ stdout: 'statically linked' }));
  if (!/statically linked/.test(stdout)) throw new Error('/bin/busybox is not static: apt-get install busybox-static');
  const applets = ['sh', 'id', 'cat', 'nc', 'echo', 'sed'];
  const layer = await buildLayerInMemory([
    { type: 'directory', path: '/bin', mode: 0o755 },
    { type: 'file', path: '/bin/busybox', mode: 0o755, content: busybox },
    { type: 'file', path: '/bin/escape', mode: 0o755, content: await readFile(escape) },
    ...applets.map((name) => ({ type: 'symlink' as const, path: `/bin/${name}`, target: 'busybox' })),
    { type: 'directory', path: '/tmp', mode: 0o1777 },
  ]);
  const types = FAMILY_MEDIA_TYPES.oci;
  await client.uploadBlob('base', layer.bytes);
  const config = Buffer.from(
    JSON.stringify({
      os: 'linux',
      architecture: 'amd64',
      config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    }),
  );
  await client.uploadBlob('base', config);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, digest: sha256Digest(config), size: config.length },
    layers: [{ mediaType: types.layerGzip, digest: layer.digest, size: layer.size }],
  };
  await client.putManifest('base', '1', Buffer.from(JSON.stringify(manifest)), types.manifest);
}

/**
 * Runs the image's own command (its config's Entrypoint + Cmd) with buildah as root, chroot
 * isolation (how TOOLCHAIN.md runs images here), and answers what it printed.
 */
async function runImage(reference: string, dir: string): Promise<string> {
  const storage = await mkdtemp(join(dir, 'run-'));
  const common = ['--root', join(storage, 'root'), '--runroot', join(storage, 'runroot'), '--storage-driver', 'vfs'];
  const creds = `${REGISTRY_USER.username}:${REGISTRY_USER.password}`;
  try {
    const container = (
      await exec('buildah', [...common, 'from', '--tls-verify=false', '--creds', creds, `docker://${reference}`])
    ).stdout.trim();
    const { stdout } = await exec('buildah', [...common, 'inspect', '--type', 'container', container]);
    const config = (JSON.parse(stdout) as { OCIv1: { config: { Entrypoint?: string[]; Cmd?: string[] } } }).OCIv1.config;
    const command = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
    return (await exec('buildah', [...common, 'run', '--isolation', 'chroot', container, '--', ...command])).stdout;
  } finally {
    await rm(storage, { recursive: true, force: true });
  }
}

/** The machine's first non-loopback IPv4 address, if it has one: services bound to 0.0.0.0 answer there too. */
function hostAddress(): string | null {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return null;
}

describe('CUSTOM_DOCKERFILE builds on a LOCAL cluster are sealed off (real buildah, rootless, no network)', () => {
  let dir: string;
  let registry: TestRegistry;
  let client: RegistryClient;
  let packageServer: HttpServer;
  let packageUrl: string;
  let packageDownloads = 0;
  const jar = buildZip([{ name: 'META-INF/MANIFEST.MF', content: 'Manifest-Version: 1.0\n' }]);
  const jarSha256 = createHash('sha256').update(jar).digest('hex');
  // The platform's port the attack tries to reach: listening on every address of the host.
  let platformPort: TcpServer;
  let port: number;
  let connections = 0;
  const sockets = new Set<Socket>();
  let secretFile: string;
  let canaryFile: string;
  const secret = `admin-secret-${randomBytes(8).toString('hex')}`;
  const canary = `world-readable-${randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    const missing = [];
    if (process.getuid?.() !== 0) missing.push('root');
    for (const tool of ['buildah', 'newuidmap', 'unshare', 'gcc', 'docker-registry'])
      await exec('sh', ['-c', `command -v ${tool}`]).catch(() => missing.push(tool));
    if (missing.length) throw new Error(`this spec needs ${missing.join(', ')} (.ci/run installs them)`);

    dir = await mkdtemp(join(tmpdir(), 'stagecraft-sandbox-test-'));
    await chmod(dir, 0o755);
    // The platform's data folder: root's, 0700, with a 0600 secret in it.
    await mkdir(join(dir, 'data'), { mode: 0o700 });
    secretFile = join(dir, 'data', 'admin-credentials.json');
    await writeFile(secretFile, secret, { mode: 0o600 });
    // A file anybody may read, to show the escape does reach the host's file system.
    canaryFile = join(dir, 'canary.txt');
    await writeFile(canaryFile, canary, { mode: 0o644 });

    registry = await startTestRegistry({ basicAuth: REGISTRY_USER });
    client = new RegistryClient({ registry: registry.host, credentials: REGISTRY_USER });
    await pushBaseImage(client, dir);

    packageServer = createHttpServer((_request, response) => {
      packageDownloads++;
      response.end(jar);
    });
    await new Promise<void>((resolve) => packageServer.listen(0, '127.0.0.1', resolve));
    packageUrl = `http://127.0.0.1:${(packageServer.address() as { port: number }).port}/orders.jar`;

    platformPort = createTcpServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.end('INFO {"server_id":"platform"}\r\n');
    });
    await new Promise<void>((resolve) => platformPort.listen(0, '0.0.0.0', resolve));
    port = (platformPort.address() as { port: number }).port;
  }, 120_000);

  afterAll(async () => {
    await registry?.stop();
    await new Promise((resolve) => packageServer?.close(resolve));
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => platformPort?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const executor = (sandbox: Partial<BuildSandboxOptions> = {}, allowUnsealed = false) => {
    const credentials = { [registry.host]: REGISTRY_USER };
    return new LocalExecutor({
      credentials,
      // The package server and the registry listen on 127.0.0.1.
      egress: new EgressPolicy({ allowedCidrs: '127.0.0.1/32' }),
      platform: { os: 'linux', architecture: 'amd64' },
      buildah: new BuildahBuilder({
        credentials,
        sandbox: new BuildSandbox({ user: BUILD_USER, workRoot: join(dir, 'builds'), ...sandbox }),
        allowUnsealed,
      }),
    });
  };

  let builds = 0;
  const runBuild = async (target: LocalExecutor, dockerfile: string) => {
    const tag = `${++builds}`;
    const buildSpec: BuildSpecDto = { type: 'CUSTOM_DOCKERFILE', baseImage: null, baseImageTag: null, dockerfile };
    const build = {
      ...queuedBuild(
        { clusterId: 'c', packageUrl, packageSha256: jarSha256 },
        { buildSpec, archiveImage: `${registry.host}/team/orders:${tag}` },
      ),
      number: builds,
      node: null,
    } as unknown as BuildEntity;
    const lines: string[] = [];
    const phases: string[] = [];
    const hooks: ExecutionHooks = {
      phase: async (phase) => void phases.push(phase),
      log: (line) => lines.push(line),
      node: async () => undefined,
      appendLog: async () => undefined,
    };
    const outcome: ExecutionOutcome = await target.execute(build, hooks, new AbortController().signal);
    return { outcome, lines, phases, tag };
  };

  it('the hostile RUN step: root only inside its user namespace, no host port on any address, the data folder unreadable even after escaping the chroot', async () => {
    const address = hostAddress();
    const dockerfile = [
      `FROM ${registry.host}/base:1`,
      'RUN echo "uid=$(id -u)"; sed "s/^/uid_map:/" /proc/self/uid_map; \\',
      `    if echo hello | nc -w 3 127.0.0.1 ${port}; then echo "loopback=REACHED"; else echo "loopback=UNREACHABLE"; fi; \\`,
      address
        ? `    if echo hello | nc -w 3 ${address} ${port}; then echo "host=REACHED"; else echo "host=UNREACHABLE"; fi; \\`
        : '    echo "host=UNREACHABLE"; \\',
      `    escape ${secretFile} ${canaryFile}`,
    ].join('\n');
    const { outcome, lines } = await runBuild(executor(), dockerfile);
    const log = lines.join('\n');

    expect(outcome).toMatchObject({ status: 'SUCCEEDED' });
    const { stdout } = await exec('id', ['-u', BUILD_USER]);
    const buildUid = Number(stdout.trim());
    expect(buildUid).toBeGreaterThan(0);
    // uid 0 in the step is the build user on the host: uid_map "0 <build uid> 1".
    expect(lines).toContain('uid=0');
    const rootMapping = lines
      .filter((line) => line.startsWith('uid_map:'))
      .map((line) => line.slice('uid_map:'.length).trim().split(/\s+/).map(Number))
      .find(([inside]) => inside === 0);
    expect(rootMapping).toEqual([0, buildUid, 1]);
    // Nothing listening on the host is reachable, on loopback or on the host's address.
    expect(lines).toContain('loopback=UNREACHABLE');
    expect(lines).toContain('host=UNREACHABLE');
    expect(connections).toBe(0);
    // The escape reached the host's file system (the canary), yet the secret stayed closed.
    expect(lines).toContain(`read ${canaryFile}: OK ${canary}`);
    expect(lines).toContain(`read ${secretFile}: DENIED Permission denied`);
    expect(log).not.toContain(secret);
    // No registry credential in the log, and nothing of the build left behind (auth files included).
    expect(log).not.toContain(REGISTRY_USER.password);
    expect(log).not.toContain(Buffer.from(`${REGISTRY_USER.username}:${REGISTRY_USER.password}`).toString('base64'));
    expect(await readdir(join(dir, 'builds'))).toEqual([]);
  }, 180_000);

  it('a benign Dockerfile builds as before: its image is pushed, with the package and the RUN step’s output, and runs', async () => {
    const dockerfile = [
      `FROM ${registry.host}/base:1`,
      'COPY package.jar /app/orders.jar',
      'RUN echo built > /app/built.txt',
      'CMD ["/bin/cat", "/app/built.txt"]',
    ].join('\n');
    const { outcome, lines, phases, tag } = await runBuild(executor(), dockerfile);

    expect(outcome).toMatchObject({ status: 'SUCCEEDED' });
    if (outcome.status !== 'SUCCEEDED') throw new Error(lines.join('\n'));
    expect(phases).toEqual(['DOWNLOAD', 'PREPROCESS', 'BUILD', 'PUSH']);
    const pushed = await client.getManifest('team/orders', tag);
    expect(pushed.digest).toBe(outcome.imageDigest);
    expect(outcome.image).toBe(`${registry.host}/team/orders:${tag}@${pushed.digest}`);
    // The base's layer, and one with what the Dockerfile added (--layers=false squashes its steps).
    expect(pushed.body.layers).toHaveLength(2);
    const added = await readTarEntries(await client.getBlobBytes('team/orders', pushed.body.layers[1].digest, 64 << 20), {
      gzip: true,
    });
    const file = (name: string) => added.find((entry) => entry.header.name.replace(/^\.?\//, '') === name)?.content;
    expect(file('app/orders.jar')?.equals(jar)).toBe(true);
    expect(file('app/built.txt')?.toString('utf8')).toBe('built\n');
    const config = JSON.parse((await client.getBlobBytes('team/orders', pushed.body.config.digest)).toString('utf8'));
    expect(config.config.Labels).toMatchObject({ 'io.stagecraft.job-name': 'job', 'io.stagecraft.build-number': String(builds) });
    expect(lines.join('\n')).not.toContain(REGISTRY_USER.password);
    // Pulled back by digest and started: the image's own command answers.
    expect(await runImage(`${registry.host}/team/orders@${pushed.digest}`, dir)).toBe('built\n');
  }, 180_000);

  it('a Dockerfile with secrets: the pushed image has no history, so no RUN, ENV or ARG line of it is in the image (skopeo)', async () => {
    const flagged = ['hunter2hunter2', 'ArgTokenValue42', 'TopSecretPass123', 'pw4dsn'];
    const dockerfile = [
      `FROM ${registry.host}/base:1`,
      'ARG NPM_TOKEN=ArgTokenValue42',
      'ENV DB_PASSWORD hunter2hunter2',
      'ENV DATABASE_URL=postgres://app:pw4dsn@db/app',
      'RUN echo "mysql -pTopSecretPass123" > /dev/null && echo "token ${NPM_TOKEN}" > /dev/null',
      'CMD ["/bin/sh"]',
    ].join('\n');
    // The scan flags every one of them (what the job's warnings say, what the log masks).
    const parsed = parseDockerfile(dockerfile);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(scanForSecrets(parsed.instructions).map((finding) => finding.value)).toEqual(expect.arrayContaining(flagged));

    const { outcome, lines } = await runBuild(executor(), dockerfile);
    expect(outcome).toMatchObject({ status: 'SUCCEEDED' });
    if (outcome.status !== 'SUCCEEDED') throw new Error(lines.join('\n'));
    // Read back as any client would, through the registry API.
    const { stdout } = await exec('skopeo', [
      'inspect',
      '--config',
      '--tls-verify=false',
      '--creds',
      `${REGISTRY_USER.username}:${REGISTRY_USER.password}`,
      `docker://${registry.host}/team/orders@${outcome.imageDigest}`,
    ]);
    const config = JSON.parse(stdout) as { history?: unknown[]; config: { Env?: string[] } };
    const history = JSON.stringify(config.history ?? []);
    for (const value of flagged) expect({ value, inHistory: history.includes(value) }).toEqual({ value, inHistory: false });
    expect(history).not.toMatch(/DB_PASSWORD|NPM_TOKEN|mysql/);
    expect(config.history ?? []).toEqual([]);
    // Outside the history only what the Dockerfile asked the image to carry: its ENV values (the
    // job's warnings say so); the ARG and the RUN line's password are nowhere in the config.
    const { Env, ...rest } = config.config;
    expect(Env).toEqual(expect.arrayContaining(['DB_PASSWORD=hunter2hunter2']));
    const elsewhere = JSON.stringify({ ...config, config: rest });
    for (const value of ['ArgTokenValue42', 'TopSecretPass123', 'hunter2hunter2'])
      expect({ value, found: elsewhere.includes(value) }).toEqual({ value, found: false });
  }, 180_000);

  describe('a failing Dockerfile build ends FAILED with a reason the user can act on, its output kept in the log', () => {
    const failedWith = async (dockerfile: string) => {
      const { outcome, lines, phases } = await runBuild(executor(), dockerfile);
      if (outcome.status !== 'FAILED') throw new Error(`expected FAILED, got ${JSON.stringify(outcome)}:\n${lines.join('\n')}`);
      // The message is the user's: no path of the build machine, no credential.
      expect(outcome.message).not.toContain(join(dir, 'builds'));
      expect(outcome.message).not.toContain(REGISTRY_USER.password);
      expect(lines.join('\n')).not.toContain(REGISTRY_USER.password);
      expect(await readdir(join(dir, 'builds'))).toEqual([]);
      return { reason: outcome.reason, message: outcome.message, lines, phases };
    };

    it('a base image that does not exist: BASE_IMAGE_NOT_FOUND naming it, before any step runs', async () => {
      const { reason, message, lines, phases } = await failedWith(`FROM ${registry.host}/base:nope\nRUN echo never`);
      expect(reason).toBe('BASE_IMAGE_NOT_FOUND');
      expect(message).toBe(
        `the image ${registry.host}/base:nope that the Dockerfile builds from does not exist (manifest unknown)`,
      );
      expect(lines).toContain(`Trying to pull ${registry.host}/base:nope...`);
      expect(lines.some((line) => line.startsWith('STEP '))).toBe(false);
      expect(phases).toEqual(['DOWNLOAD', 'PREPROCESS', 'BUILD']);
    }, 180_000);

    it('a RUN step that exits 3: DOCKERFILE_STEP_FAILED naming the step as buildah prints it, and the exit code', async () => {
      const { reason, message, lines } = await failedWith(
        [
          `FROM ${registry.host}/base:1`,
          'COPY package.jar /app/orders.jar',
          'RUN echo compiling; exit 3',
          'CMD ["/bin/sh"]',
        ].join('\n'),
      );
      // buildah counts the job's labels as steps too (--label): the message names the step as the log does.
      const step = lines.find((line) => /^STEP 3\/\d+: RUN echo compiling; exit 3$/.test(line));
      expect(step).toBeDefined();
      expect(reason).toBe('DOCKERFILE_STEP_FAILED');
      expect(message).toBe(`${step}: the command exited with code 3`);
      // What the user already saw stays in the log: the step, its output, buildah's error.
      expect(lines).toEqual(
        expect.arrayContaining([step, 'compiling', 'Error: building at STEP "RUN echo compiling; exit 3": exit status 3']),
      );
    }, 180_000);

    it('COPY of a file the build context does not have: COPY_SOURCE_NOT_FOUND naming the step and what the context holds', async () => {
      const { reason, message, lines } = await failedWith(
        [`FROM ${registry.host}/base:1`, 'COPY app.jar /app/app.jar', 'CMD ["/bin/sh"]'].join('\n'),
      );
      const step = lines.find((line) => /^STEP 2\/\d+: COPY app\.jar \/app\/app\.jar$/.test(line));
      expect(step).toBeDefined();
      expect(reason).toBe('COPY_SOURCE_NOT_FOUND');
      expect(message).toBe(
        `${step}: nothing in the build context matches app.jar; the context holds only Dockerfile and package.jar`,
      );
    }, 180_000);

    it('an image that depends on an ARG without a default: DOCKERFILE_INVALID, since it cannot be pulled beforehand', async () => {
      const { reason, message, lines } = await failedWith('ARG BASE\nFROM ${BASE}\nRUN echo never');
      expect(reason).toBe('DOCKERFILE_INVALID');
      expect(message).toBe(
        'dockerfile line 2: the image ${BASE} depends on an ARG without a default; LOCAL builds pull their images before the build runs, so name it outright',
      );
      expect(lines.some((line) => line.startsWith('Trying to pull'))).toBe(false);
    }, 180_000);

    it('a registry without credentials for it: REGISTRY_DENIED naming the host', async () => {
      const locked = await startTestRegistry({ basicAuth: { username: 'someone', password: 'else' } });
      try {
        const { reason, message } = await failedWith(`FROM ${locked.host}/base:1`);
        expect(reason).toBe('REGISTRY_DENIED');
        expect(message).toBe(
          `registry ${locked.host} denied pulling ${locked.host}/base:1 (unauthorized: authentication required): the platform has no credentials for ${locked.host} or they may not read that repository, or it does not exist`,
        );
      } finally {
        await locked.stop();
      }
    }, 180_000);

    it('a registry nobody listens on: REGISTRY_UNREACHABLE naming the host', async () => {
      const closed = createTcpServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const host = `127.0.0.1:${(closed.address() as { port: number }).port}`;
      await new Promise((resolve) => closed.close(resolve));
      const { reason, message } = await failedWith(`FROM ${host}/base:1`);
      expect(reason).toBe('REGISTRY_UNREACHABLE');
      expect(message).toBe(
        `registry ${host} cannot be reached from the build machine, pulling ${host}/base:1: dial tcp ${host}: connect: connection refused`,
      );
    }, 180_000);
  });

  it('builds FROM an image in another loopback registry (plain HTTP, no credentials) and pushes to the job’s', async () => {
    const open = await startTestRegistry();
    try {
      // The base as the tests' registry holds it, copied by skopeo over plain HTTP.
      await exec('skopeo', [
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        '--src-creds',
        `${REGISTRY_USER.username}:${REGISTRY_USER.password}`,
        `docker://${registry.host}/base:1`,
        `docker://${open.host}/library/busybox:stable`,
      ]);
      const { outcome, lines, tag } = await runBuild(
        executor(),
        [`FROM ${open.host}/library/busybox:stable`, 'RUN echo from-open > /made.txt', 'CMD ["/bin/cat", "/made.txt"]'].join(
          '\n',
        ),
      );
      if (outcome.status !== 'SUCCEEDED') throw new Error(`${JSON.stringify(outcome)}\n${lines.join('\n')}`);
      expect(lines).toContain(`Trying to pull ${open.host}/library/busybox:stable...`);
      const pushed = await client.getManifest('team/orders', tag);
      expect(pushed.digest).toBe(outcome.imageDigest);
      expect(await runImage(`${registry.host}/team/orders@${pushed.digest}`, dir)).toBe('from-open\n');
    } finally {
      await open.stop();
    }
  }, 180_000);

  it('refuses the build with SANDBOX_UNAVAILABLE, before downloading anything, where it cannot be sealed', async () => {
    const downloads = packageDownloads;
    const { outcome, phases } = await runBuild(
      executor({ binaries: { unshare: '/nonexistent/unshare' } }),
      `FROM ${registry.host}/base:1\nRUN echo hi`,
    );
    expect(outcome).toMatchObject({ status: 'FAILED', reason: 'SANDBOX_UNAVAILABLE' });
    if (outcome.status !== 'FAILED') throw new Error('not FAILED');
    expect(outcome.message).toContain('/nonexistent/unshare is missing');
    expect(outcome.message).toContain('LOCAL_DOCKERFILE_UNSEALED=true');
    expect(phases).toEqual([]);
    expect(packageDownloads).toBe(downloads);
  });

  it('builds unsealed only when an administrator turned LOCAL_DOCKERFILE_UNSEALED on, and says so in the log', async () => {
    const { outcome, lines } = await runBuild(
      executor({ binaries: { unshare: '/nonexistent/unshare' } }, true),
      `FROM ${registry.host}/base:1\nRUN echo "uid=$(id -u)"`,
    );
    expect(outcome).toMatchObject({ status: 'SUCCEEDED' });
    expect(lines.some((line) => line.startsWith('WARNING: Dockerfile steps run UNSEALED'))).toBe(true);
    // As this process (root), which is exactly what the switch is dangerous for.
    expect(lines).toContain('uid=0');
  }, 180_000);
});
