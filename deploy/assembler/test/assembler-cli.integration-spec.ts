// The build container's CLI as Kubernetes runs it: a child process reading its spec and auth file
// from disk, a real registry (htpasswd auth, demo base images) and a package behind a "presigned"
// URL whose query the server checks.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildTarball, buildZip } from '@stagecraft/archive/testing';
import { formatSize } from '@stagecraft/oci';
import { DEMO_BASE_IMAGES } from '@stagecraft/oci/testing';
import { skopeoInspect, startSeededTestRegistry, type TestRegistry } from '@stagecraft/oci/testing';
import { stopAfterEach } from '@stagecraft/testing';

const ROOT = join(__dirname, '..', '..', '..');
const USER = { username: 'builder', password: 'pushing-pa55word' };
const SIGNATURE = `sig-${randomBytes(16).toString('hex')}`;
const PHASE_MARKER = /^::stagecraft phase=([A-Z]+)$/;

let registry: TestRegistry;
let server: Server;
let serverUrl: string;
let dir: string;
let authFile: string;
let brokenAuthFile: string;
const packages: Record<string, Buffer> = {};

beforeAll(async () => {
  ({ registry } = await startSeededTestRegistry({
    basicAuth: USER,
    seed: [{ images: DEMO_BASE_IMAGES.filter((i) => i.stack === 'JAVA') }],
  }));
  packages['app.jar'] = buildZip([
    { name: 'META-INF/MANIFEST.MF', content: 'Manifest-Version: 1.0\r\nMain-Class: demo.Main\r\n\r\n' },
    { name: 'demo/Main.class', content: randomBytes(2_000) },
  ]);
  packages['app.tgz'] = await buildTarball([{ name: 'package/package.json', content: '{"name":"demo"}' }]);
  server = createServer((request, response) => {
    const url = new URL(request.url!, 'http://localhost');
    if (url.pathname === '/stall') {
      // Headers and a first chunk, then nothing: a download the test stops with SIGTERM.
      response.writeHead(200, { 'content-length': '1000000' });
      response.write(Buffer.alloc(1000));
      return;
    }
    const bytes = packages[url.pathname.replace('/packages/', '')];
    if (!bytes) return void response.writeHead(404).end();
    if (url.searchParams.get('X-Amz-Signature') !== SIGNATURE) return void response.writeHead(403).end();
    response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'stagecraft-cli-test-'));
  await mkdir(join(dir, 'tmp'));
  authFile = join(dir, 'config.json');
  const auth = Buffer.from(`${USER.username}:${USER.password}`).toString('base64');
  await writeFile(authFile, JSON.stringify({ auths: { [registry.host]: { auth } } }));
  brokenAuthFile = join(dir, 'broken-config.json');
  await writeFile(brokenAuthFile, `{"auths":{"${registry.host}":{"password":"${USER.password}"`);
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await registry?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const packageUrl = (name: string, signature = SIGNATURE) =>
  `${serverUrl}/packages/${name}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=900&X-Amz-Signature=${signature}`;

function buildSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    buildId: 'build-7',
    baseImage: `${registry.host}/eclipse-temurin:17-jre`,
    targetImage: `${registry.host}/apps/demo:7`,
    techStack: 'JAVA',
    packageName: 'demo',
    labels: { 'io.stagecraft.build-id': 'build-7', 'io.stagecraft.job-name': 'demo' },
    packageUrl: packageUrl('app.jar'),
    packageSha256: sha256(packages['app.jar']),
    platform: 'linux/amd64',
    dockerfile: null,
    ...overrides,
  };
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The termination message file, as written. */
  termination: string;
  phases: string[];
}

let runs = 0;
// A CLI process a failed or timed-out test left running is killed after it (one that ended is not signalled again).
const killLater = stopAfterEach();

/** Runs `main.ts <command>` the way the build container does; `onStart` sees the process (and its stdout so far). */
async function runCli(
  command: string,
  spec: Record<string, unknown> | string,
  env: Record<string, string> = {},
  onStart?: (child: ChildProcess, stdout: () => string) => void,
): Promise<CliRun> {
  const runDir = join(dir, `run-${++runs}`);
  await mkdir(runDir, { recursive: true });
  const specFile = join(runDir, 'spec.json');
  const terminationLog = join(runDir, 'termination-log');
  await writeFile(specFile, typeof spec === 'string' ? spec : JSON.stringify(spec));
  const child = spawn(process.execPath, ['-r', './bench/register.cjs', 'deploy/assembler/src/main.ts', command], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      STAGECRAFT_BUILD_SPEC: specFile,
      REGISTRY_AUTH_FILE: authFile,
      TERMINATION_LOG: terminationLog,
      // Shared, so that @swc-node/register's cache there serves every run.
      TMPDIR: join(dir, 'tmp'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killLater(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  onStart?.(child, () => stdout);
  const code = await exited;
  const termination = await readFile(terminationLog, 'utf8').catch(() => '');
  const phases = stdout
    .split('\n')
    .map((line) => PHASE_MARKER.exec(line)?.[1])
    .filter((phase): phase is string => !!phase);
  // No run, whatever its outcome, shows the URL's capability or the registry password.
  for (const output of [stdout, stderr, termination]) {
    expect(output).not.toContain(SIGNATURE);
    expect(output).not.toContain('X-Amz-');
    expect(output).not.toContain(USER.password);
  }
  // The package and the assembler's staging went into a work folder that is gone.
  expect((await readdir(join(dir, 'tmp'))).filter((name) => name.startsWith('stagecraft-'))).toEqual([]);
  return { code, stdout, stderr, termination, phases };
}

function terminationOf(run: CliRun): Record<string, unknown> {
  expect(run.termination).not.toContain('\n');
  expect(Buffer.byteLength(run.termination)).toBeLessThan(4096);
  return JSON.parse(run.termination) as Record<string, unknown>;
}

describe('assembler CLI: assemble', () => {
  it('downloads, assembles and pushes; the termination message names the digest skopeo finds', async () => {
    const run = await runCli('assemble', buildSpec());

    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.phases).toEqual(['DOWNLOAD', 'PREPROCESS', 'BUILD', 'PUSH', 'POSTPROCESS']);
    const message = terminationOf(run);
    expect(message).toEqual({
      status: 'SUCCEEDED',
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      image: `${registry.host}/apps/demo:7@${message['digest']}`,
    });
    const inspected = (await skopeoInspect(`${registry.host}/apps/demo:7`, { creds: USER })) as {
      Digest: string;
      Labels: Record<string, string>;
    };
    expect(inspected.Digest).toBe(message['digest']);
    expect(inspected.Labels).toMatchObject({ 'io.stagecraft.build-id': 'build-7', 'io.stagecraft.job-name': 'demo' });
    const size = formatSize(packages['app.jar'].length);
    expect(run.stdout).toContain(`Downloaded the package demo: ${size}, sha256 ${sha256(packages['app.jar'])} verified`);
    expect(run.stdout).toMatch(/^Package layer sha256:[0-9a-f]{64}: /m);
    expect(run.stdout).toContain(`Pushed ${registry.host}/apps/demo:7@${message['digest']}`);
    expect(run.stdout).not.toContain(serverUrl);
  });

  it.each<[string, () => Record<string, unknown>, () => Record<string, string>, number, string[], () => Record<string, unknown>]>(
    [
      [
        'a package whose sha256 differs: exit 2, ERROR PACKAGE_CORRUPTED',
        () => ({ packageSha256: 'ab'.repeat(32) }),
        () => ({}),
        2,
        ['DOWNLOAD'],
        () => ({
          status: 'ERROR',
          reason: 'PACKAGE_CORRUPTED',
          message: `the package's sha256 is ${sha256(packages['app.jar'])}, not the ${'ab'.repeat(32)} recorded when it was uploaded`,
          phase: 'DOWNLOAD',
        }),
      ],
      [
        'a URL the repository refuses: exit 2, ERROR PACKAGE_DOWNLOAD_FAILED',
        () => ({ packageUrl: packageUrl('app.jar', 'sig-expired') }),
        () => ({}),
        2,
        ['DOWNLOAD'],
        () => ({
          status: 'ERROR',
          reason: 'PACKAGE_DOWNLOAD_FAILED',
          message: 'the package repository answered HTTP 403',
          phase: 'DOWNLOAD',
        }),
      ],
      [
        'a base image that does not exist: exit 1, FAILED BASE_IMAGE_NOT_FOUND',
        () => ({ baseImage: `${registry.host}/eclipse-temurin:8-nope` }),
        () => ({}),
        1,
        ['DOWNLOAD', 'PREPROCESS', 'BUILD'],
        () => ({
          status: 'FAILED',
          reason: 'BASE_IMAGE_NOT_FOUND',
          message: expect.stringContaining('eclipse-temurin'),
          phase: 'BUILD',
        }),
      ],
      [
        'no registry auth file: exit 1, FAILED REGISTRY_DENIED',
        () => ({}),
        () => ({ REGISTRY_AUTH_FILE: '' }),
        1,
        ['DOWNLOAD', 'PREPROCESS', 'BUILD'],
        () => ({ status: 'FAILED', reason: 'REGISTRY_DENIED', message: expect.stringContaining(registry.host), phase: 'BUILD' }),
      ],
      [
        'an auth file that is not JSON: exit 2, ERROR REGISTRY_AUTH_INVALID, without quoting it',
        () => ({}),
        () => ({ REGISTRY_AUTH_FILE: brokenAuthFile }),
        2,
        [],
        () => ({
          status: 'ERROR',
          reason: 'REGISTRY_AUTH_INVALID',
          message: 'REGISTRY_AUTH_FILE: the registry auth file is not JSON',
          phase: 'INIT',
        }),
      ],
    ],
  )('%s', async (_title, overrides, env, code, phases, expected) => {
    const run = await runCli('assemble', buildSpec(overrides()), env());

    expect({ code: run.code, phases: run.phases }).toEqual({ code, phases });
    expect(terminationOf(run)).toEqual(expected());
  });

  it('SIGTERM during the download: the work stops at once, exit 143', async () => {
    let signalled = 0;
    const run = await runCli(
      'assemble',
      buildSpec({ packageUrl: `${serverUrl}/stall?X-Amz-Signature=${SIGNATURE}` }),
      {},
      (child, stdout) => {
        const poll = setInterval(() => {
          if (!stdout().includes('::stagecraft phase=DOWNLOAD')) return;
          clearInterval(poll);
          // Give the request time to reach the stalled answer.
          setTimeout(() => {
            signalled = Date.now();
            child.kill('SIGTERM');
          }, 200);
        }, 20);
        // A run that ends without reaching the download (a failed test) stops the polling too.
        child.once('exit', () => clearInterval(poll));
      },
    );

    expect(run.code).toBe(143);
    expect(Date.now() - signalled).toBeLessThan(2_000);
    expect(terminationOf(run)).toEqual({
      status: 'ERROR',
      reason: 'TERMINATED',
      message: 'the build container was stopped (SIGTERM)',
      phase: 'DOWNLOAD',
    });
  });
});

describe('assembler CLI: fetch', () => {
  it('lays out the Docker build context: the Dockerfile and the package as package.jar', async () => {
    const contextDir = join(dir, 'workspace-jar');
    const dockerfile = 'FROM eclipse-temurin:17-jre\nCOPY package.jar /app/app.jar\n';
    const run = await runCli('fetch', buildSpec({ baseImage: null, dockerfile }), { CONTEXT_DIR: contextDir });

    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.phases).toEqual(['DOWNLOAD', 'PREPROCESS']);
    expect(terminationOf(run)).toEqual({ status: 'SUCCEEDED' });
    expect((await readdir(contextDir)).sort()).toEqual(['Dockerfile', 'package.jar']);
    expect(await readFile(join(contextDir, 'Dockerfile'), 'utf8')).toBe(dockerfile);
    expect((await readFile(join(contextDir, 'package.jar'))).equals(packages['app.jar'])).toBe(true);
    expect(run.stdout).toContain(`Build context ${contextDir}: Dockerfile (`);
  });

  it('names a Node.js package by its format (package.tgz), as the LOCAL buildah build does', async () => {
    const contextDir = join(dir, 'workspace-tgz');
    const run = await runCli(
      'fetch',
      buildSpec({
        techStack: 'NODEJS',
        dockerfile: 'FROM node:20-slim\n',
        packageUrl: packageUrl('app.tgz'),
        packageSha256: sha256(packages['app.tgz']),
      }),
      { CONTEXT_DIR: contextDir },
    );

    expect(run.code).toBe(0);
    expect((await readdir(contextDir)).sort()).toEqual(['Dockerfile', 'package.tgz']);
  });

  it('a wrong sha256 leaves no package in the context: exit 2, ERROR PACKAGE_CORRUPTED', async () => {
    const contextDir = join(dir, 'workspace-corrupt');
    const run = await runCli('fetch', buildSpec({ dockerfile: 'FROM x\n', packageSha256: '0'.repeat(64) }), {
      CONTEXT_DIR: contextDir,
    });

    expect(run.code).toBe(2);
    expect(terminationOf(run)).toMatchObject({ status: 'ERROR', reason: 'PACKAGE_CORRUPTED', phase: 'DOWNLOAD' });
    expect(await readdir(contextDir)).toEqual([]);
  });
});

describe('assembler CLI: its own input', () => {
  // Each field's rule is in build-spec.spec.ts; here, that the field reaches the termination message.
  it.each([
    ['assemble', { packageSha256: 'abc' }, 'packageSha256'],
    ['fetch', { dockerfile: null }, 'dockerfile'],
  ])('%s with %j: exit 2, ERROR BUILD_SPEC_INVALID naming %s', async (command, overrides, field) => {
    const run = await runCli(command, buildSpec(overrides));

    expect(run.code).toBe(2);
    expect(run.phases).toEqual([]);
    const message = terminationOf(run);
    expect(message).toMatchObject({ status: 'ERROR', reason: 'BUILD_SPEC_INVALID', phase: 'INIT' });
    expect(message['message']).toContain(`"${field}"`);
  });

  it('a spec that is not JSON is not quoted back (it holds the presigned URL)', async () => {
    const run = await runCli('assemble', JSON.stringify(buildSpec()).slice(0, -5));

    expect(run.code).toBe(2);
    expect(terminationOf(run)).toEqual({
      status: 'ERROR',
      reason: 'BUILD_SPEC_INVALID',
      message: 'STAGECRAFT_BUILD_SPEC: the build spec is not JSON',
      phase: 'INIT',
    });
  });

  it('an unknown command: exit 2, ERROR USAGE', async () => {
    const run = await runCli('build', buildSpec());

    expect(run.code).toBe(2);
    expect(terminationOf(run)).toMatchObject({ status: 'ERROR', reason: 'USAGE' });
  });
});
