import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { buildZip } from '@stagecraft/archive/testing';
import { EgressPolicy } from '@stagecraft/config';
import type { TechStack } from '@stagecraft/contracts';
import { DEFAULT_NPM_REGISTRY, DEFAULT_PIP_INDEX_URL, type PackageRegistries, RegistryClient } from '@stagecraft/oci';
import { startTestRegistry, type TestRegistry } from '@stagecraft/oci/testing';
import { nodeApp, runImage, runToEnd } from '@stagecraft/testing';

import type { ExecutionHooks, ExecutionOutcome } from '../src/builds/executors/build-executor';
import { BuildSandbox } from '../src/builds/executors/build-sandbox';
import { BuildahBuilder } from '../src/builds/executors/buildah.builder';
import { BuildahDependencyInstaller } from '../src/builds/executors/dependencies/dependency-installer';
import { DependencyLayerCache } from '../src/builds/executors/dependencies/dependency-layer.cache';
import { LocalDependencies } from '../src/builds/executors/dependencies/local-dependencies';
import { LocalExecutor } from '../src/builds/executors/local.executor';
import type { BuildEntity } from '../src/builds/infra/build.entity';
import { pushHostNodeImage, pushHostPythonImage } from './host-runtime-images';
import { queuedBuild } from './queued-build';

const exec = promisify(execFile);
const BUILD_USER = 'stagecraft-build';

/** A pure-Python wheel, as a package index serves it: one module that says hello. */
function greetingWheel(): { name: string; bytes: Buffer } {
  const files = [
    { name: 'greeting/__init__.py', content: 'def hello():\n    return "hello from a wheel"\n' },
    { name: 'greeting-1.0.dist-info/METADATA', content: 'Metadata-Version: 2.1\nName: greeting\nVersion: 1.0\n' },
    {
      name: 'greeting-1.0.dist-info/WHEEL',
      content: 'Wheel-Version: 1.0\nGenerator: stagecraft-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
    },
  ];
  const record = files
    .map((file) => {
      const digest = createHash('sha256').update(file.content).digest('base64url');
      return `${file.name},sha256=${digest},${Buffer.byteLength(file.content)}`;
    })
    .concat('greeting-1.0.dist-info/RECORD,,')
    .join('\n');
  return {
    name: 'greeting-1.0-py3-none-any.whl',
    bytes: buildZip([...files, { name: 'greeting-1.0.dist-info/RECORD', content: `${record}\n` }]),
  };
}

/**
 * A NODEJS or PYTHON package's dependencies are installed on a LOCAL cluster with the base image's
 * own npm or pip (real buildah, sealed: the install reaches the package registry and nothing
 * else), into a layer of their own keyed by the lockfile: the image runs with them, and a new
 * version of the app with the same lockfile installs nothing and pushes only its app layer.
 */
describe('dependency installs on a LOCAL cluster (real buildah, real npm registry, a local pip index)', () => {
  let dir: string;
  let registry: TestRegistry;
  let client: RegistryClient;
  let packages: HttpServer;
  let packageBase: string;
  const served = new Map<string, Buffer>();
  let pipIndex: HttpServer;
  let pipIndexUrl: string;
  const pipRequests: string[] = [];
  let nodeImage: string;
  let pythonImage: string;

  beforeAll(async () => {
    const missing = [];
    if (process.getuid?.() !== 0) missing.push('root');
    for (const tool of ['buildah', 'newuidmap', 'unshare', 'ip', 'docker-registry'])
      await exec('sh', ['-c', `command -v ${tool}`]).catch(() => missing.push(tool));
    if (missing.length) throw new Error(`this spec needs ${missing.join(', ')} (.ci/run installs them)`);

    dir = await mkdtemp(join(tmpdir(), 'stagecraft-dependencies-test-'));
    await chmod(dir, 0o755);
    registry = await startTestRegistry();
    client = new RegistryClient({ registry: registry.host });
    nodeImage = (await pushHostNodeImage(client, 'runtime/node', '1', join(dir, 'node-layer.tar.gz'))).reference;
    pythonImage = (await pushHostPythonImage(client, 'runtime/python', '1', join(dir, 'python-layer.tar.gz'))).reference;

    packages = createHttpServer((request, response) => {
      const bytes = served.get(request.url ?? '');
      if (!bytes) response.writeHead(404).end();
      else response.end(bytes);
    });
    await new Promise<void>((resolve) => packages.listen(0, '127.0.0.1', resolve));
    packageBase = `http://127.0.0.1:${(packages.address() as { port: number }).port}`;

    // PEP 503: /simple/<project>/ lists the files, with their sha256.
    const wheel = greetingWheel();
    const wheelSha256 = createHash('sha256').update(wheel.bytes).digest('hex');
    pipIndex = createHttpServer((request, response) => {
      pipRequests.push(request.url ?? '');
      if (request.url === '/simple/greeting/')
        response
          .writeHead(200, { 'content-type': 'text/html' })
          .end(`<!DOCTYPE html><html><body><a href="/files/${wheel.name}#sha256=${wheelSha256}">${wheel.name}</a></body></html>`);
      else if (request.url === `/files/${wheel.name}`) response.end(wheel.bytes);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => pipIndex.listen(0, '127.0.0.1', resolve));
    pipIndexUrl = `http://127.0.0.1:${(pipIndex.address() as { port: number }).port}/simple/`;
  }, 180_000);

  afterAll(async () => {
    await registry?.stop();
    await new Promise((resolve) => packages?.close(resolve));
    await new Promise((resolve) => pipIndex?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const executor = (registries: Partial<PackageRegistries> = {}) => {
    const all = { npm: DEFAULT_NPM_REGISTRY, pip: DEFAULT_PIP_INDEX_URL, ...registries };
    // The package server, the image registry and the pip index listen on 127.0.0.1; the npm registry is public.
    const egress = new EgressPolicy({ allowedCidrs: '127.0.0.1/32' });
    const sandbox = new BuildSandbox({ user: BUILD_USER, workRoot: join(dir, 'builds') });
    const buildah = new BuildahBuilder({ credentials: {}, sandbox, allowUnsealed: false });
    return new LocalExecutor({
      credentials: {},
      egress,
      platform: { os: 'linux', architecture: 'amd64' },
      buildah,
      dependencies: new LocalDependencies({
        installer: new BuildahDependencyInstaller({ sandbox, credentials: {}, registries: all, egress }),
        cache: new DependencyLayerCache(join(dir, 'cache')),
        registries: all,
        egress,
        readiness: () => buildah.readiness(),
        registryCheckTimeoutMs: 5_000,
      }),
    });
  };

  let builds = 0;
  const runBuild = async (
    target: LocalExecutor,
    stack: TechStack,
    baseImage: string,
    bytes: Buffer,
  ): Promise<{ outcome: ExecutionOutcome; lines: string[]; image: string }> => {
    const number = ++builds;
    served.set(`/package-${number}.zip`, bytes);
    const [repository, tag] = baseImage.slice(registry.host.length + 1).split(':');
    const archiveImage = `${registry.host}/team/app:${number}`;
    const build = {
      ...queuedBuild(
        {
          clusterId: 'c',
          packageUrl: `${packageBase}/package-${number}.zip`,
          packageSha256: createHash('sha256').update(bytes).digest('hex'),
        },
        {
          techStack: stack,
          buildSpec: { type: 'SYSTEM_DEFAULT', baseImage: `${registry.host}/${repository}`, baseImageTag: tag, dockerfile: null },
          archiveImage,
        },
      ),
      number,
      node: null,
    } as unknown as BuildEntity;
    const lines: string[] = [];
    const hooks: ExecutionHooks = {
      phase: async () => undefined,
      log: (line) => lines.push(line),
      node: async () => undefined,
      appendLog: async () => undefined,
    };
    const outcome = await target.execute(build, hooks, new AbortController().signal);
    // By digest alone: buildah takes no reference with both a tag and a digest.
    const image = outcome.status === 'SUCCEEDED' ? `${registry.host}/team/app@${outcome.imageDigest}` : archiveImage;
    return { outcome, lines, image };
  };
  const succeeded = (result: { outcome: ExecutionOutcome; lines: string[] }) => {
    if (result.outcome.status !== 'SUCCEEDED')
      throw new Error(`expected SUCCEEDED, got ${JSON.stringify(result.outcome)}:\n${result.lines.join('\n')}`);
  };
  const layersOf = async (image: string) => {
    const [repository, digest] = image.slice(registry.host.length + 1).split('@');
    const manifest = await client.getManifest(repository, digest);
    return (JSON.parse(manifest.bytes.toString()) as { layers: { digest: string }[] }).layers.map((layer) => layer.digest);
  };

  it('a Node.js app without node_modules: npm ci from its lockfile, the image runs with the dependency; the next version reuses the layer', async () => {
    const first = await runBuild(executor(), 'NODEJS', nodeImage, nodeApp('first').bytes);
    succeeded(first);
    expect(first.lines.some((line) => line.startsWith('Running npm ci --omit=dev --ignore-scripts'))).toBe(true);
    const running = await runImage(first.image, { env: { PORT: '38411' } });
    try {
      const answer = await running.waitForHttp('http://127.0.0.1:38411/', 30_000);
      expect(await answer.text()).toBe('first true');
    } finally {
      await running.stop();
    }

    const second = await runBuild(executor(), 'NODEJS', nodeImage, nodeApp('second').bytes);
    succeeded(second);
    expect(second.lines.some((line) => /^Dependency layer sha256:[0-9a-f]{64} reused from the build cache/.test(line))).toBe(
      true,
    );
    expect(second.lines.some((line) => line.startsWith('Running npm ci'))).toBe(false);
    const [before, after] = [await layersOf(first.image), await layersOf(second.image)];
    // base, dependencies, app: only the app layer differs.
    expect(after).toHaveLength(before.length);
    expect(after.slice(0, -1)).toEqual(before.slice(0, -1));
    expect(after.at(-1)).not.toBe(before.at(-1));
    // Nothing of either build left in the work folder.
    expect(await readdir(join(dir, 'builds'))).toEqual([]);
  }, 300_000);

  it('package.json with dependencies and neither lockfile nor node_modules: FAILED DEPENDENCY_LOCKFILE_MISSING, before any install', async () => {
    const bytes = buildZip([
      { name: 'package.json', content: JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'is-number': '^7' } }) },
      { name: 'index.js', content: 'require("is-number")' },
    ]);
    const { outcome, lines } = await runBuild(executor(), 'NODEJS', nodeImage, bytes);
    expect(outcome).toMatchObject({ status: 'FAILED', reason: 'DEPENDENCY_LOCKFILE_MISSING' });
    expect((outcome as { message: string }).message).toContain('add package-lock.json');
    expect(lines.some((line) => line.startsWith('Running npm ci'))).toBe(false);
  }, 120_000);

  it('an npm registry nobody answers at: FAILED DEPENDENCY_REGISTRY_UNREACHABLE naming it', async () => {
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as { port: number }).port}/`;
    await new Promise((resolve) => closed.close(resolve));
    const { outcome } = await runBuild(executor({ npm: url }), 'NODEJS', nodeImage, nodeApp('unreachable').bytes);
    expect(outcome).toMatchObject({ status: 'FAILED', reason: 'DEPENDENCY_REGISTRY_UNREACHABLE' });
    expect((outcome as { message: string }).message).toContain(url.replace(/\/$/, ''));
  }, 120_000);

  it('a Python app with requirements.txt: pip installs from the configured index into the image, the app imports it', async () => {
    const bytes = buildZip([
      { name: 'requirements.txt', content: 'greeting==1.0\n' },
      { name: '__main__.py', content: 'import greeting\nprint(greeting.hello())\n' },
    ]);
    const result = await runBuild(executor({ pip: pipIndexUrl }), 'PYTHON', pythonImage, bytes);
    succeeded(result);
    expect(pipRequests).toContain('/simple/greeting/');
    expect((await runToEnd(result.image)).output).toContain('hello from a wheel');
  }, 300_000);
});
