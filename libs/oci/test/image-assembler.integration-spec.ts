import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildTarball, buildZip } from '@stagecraft/archive/testing';
import type { TechStack } from '@stagecraft/contracts';

import { AssemblyError, PackageRejectedError } from '../src/assembly.errors';
import { type AssembleImageRequest, ImageAssembler } from '../src/image.assembler';
import { MediaTypes } from '../src/media-types';
import { RegistryClient } from '../src/registry.client';
import { DEMO_BASE_IMAGES, seedDemoBaseImages } from '../src/testing/demo-base-images';
import { readTarEntries, type TarFileEntry } from '../src/testing/layer-reader';
import { startTestRegistry, type TestRegistry } from '../src/testing/registry-process';
import { skopeoInspect } from '../src/testing/skopeo';

let registry: TestRegistry;
let otherRegistry: TestRegistry;
let client: RegistryClient;
let dir: string;
let work: string;
const packages: Record<string, { file: string; bytes: Buffer }> = {};

const LABELS = { 'io.stagecraft.job-id': 'job-42', 'io.stagecraft.build-id': 'build-7' };
const CREATED = new Date('2026-01-02T03:04:05.000Z');

beforeAll(async () => {
  [registry, otherRegistry] = await Promise.all([startTestRegistry(), startTestRegistry()]);
  client = new RegistryClient({ registry: registry.host });
  await seedDemoBaseImages(client);
  await seedDemoBaseImages(client, { format: 'docker', repositoryPrefix: 'docker/' });
  await seedDemoBaseImages(client, { asIndex: true, repositoryPrefix: 'multi/' });
  await seedDemoBaseImages(new RegistryClient({ registry: otherRegistry.host }), {
    images: DEMO_BASE_IMAGES.filter((i) => i.stack === 'JAVA'),
  });

  dir = await mkdtemp(join(tmpdir(), 'stagecraft-oci-assembler-test-'));
  work = join(dir, 'work');
  await mkdir(work);
  const add = async (name: string, bytes: Buffer) => {
    packages[name] = { file: join(dir, name), bytes };
    await writeFile(packages[name].file, bytes);
  };
  await add(
    'app.jar',
    buildZip([
      { name: 'META-INF/MANIFEST.MF', content: 'Main-Class: demo.Main\n' },
      { name: 'demo/Main.class', content: randomBytes(300_000) },
    ]),
  );
  await add(
    'app.war',
    buildZip([
      { name: 'WEB-INF/web.xml', content: '<web-app/>', deflate: true },
      { name: 'index.jsp', content: '<%= 1 %>' },
    ]),
  );
  await add(
    'demo-1.0.0.tgz',
    await buildTarball([
      { name: 'package/package.json', content: '{"name":"demo","scripts":{"start":"node server.js"}}' },
      { name: 'package/server.js', content: 'require("http").createServer().listen(3000)' },
    ]),
  );
  await add(
    'pyapp.zip',
    buildZip([
      { name: 'pyapp/__main__.py', content: 'print("hi")', deflate: true },
      { name: 'pyapp/util.py', content: 'X = 1' },
    ]),
  );
  await add(
    'flask.tar.gz',
    await buildTarball([
      { name: 'app.py', content: 'from flask import Flask' },
      { name: 'requirements.txt', content: 'flask' },
    ]),
  );
  await add(
    'site.zip',
    buildZip([
      { name: 'index.php', content: '<?php echo "hello";' },
      { name: 'lib/db.php', content: '<?php' },
    ]),
  );
  await add(
    'evil.tgz',
    await buildTarball([
      { name: 'ok.py', content: '' },
      { name: '../../etc/cron.d/x', content: '* * * * * root sh' },
    ]),
  );
});

afterAll(async () => {
  await Promise.all([registry?.stop(), otherRegistry?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

function assembler(options: ConstructorParameters<typeof ImageAssembler>[0] = {}) {
  return new ImageAssembler({ tmpDir: work, ...options });
}

function request(
  stack: TechStack,
  base: string,
  target: string,
  pkg: string,
  extra: Partial<AssembleImageRequest> = {},
): AssembleImageRequest {
  return {
    baseImage: `${registry.host}/${base}`,
    targetImage: `${registry.host}/${target}`,
    packageFile: packages[pkg].file,
    techStack: stack,
    labels: LABELS,
    created: CREATED,
    ...extra,
  };
}

async function packageLayer(repository: string, digest: string): Promise<TarFileEntry[]> {
  const blob = await client.getBlob(repository, digest);
  return readTarEntries(blob.stream);
}

const fileIn = (entries: TarFileEntry[], name: string) => entries.find((e) => e.header.name === name);

describe('ImageAssembler, one package per stack onto the demo base images', () => {
  it.each<[TechStack, string, string, Record<string, unknown>, (entries: TarFileEntry[]) => void]>([
    [
      'JAVA',
      'eclipse-temurin:17-jre',
      'app.jar',
      { Entrypoint: ['java', '-jar', '/app/app.jar'], WorkingDir: '/app', Cmd: undefined },
      (entries) => {
        expect(entries.map((e) => e.header.name)).toEqual(['app/', 'app/app.jar']);
        expect(fileIn(entries, 'app/app.jar')?.content.equals(packages['app.jar'].bytes)).toBe(true);
      },
    ],
    [
      'TOMCAT',
      'tomcat:10.1-jre17',
      'app.war',
      { Entrypoint: ['/__cacert_entrypoint.sh'], Cmd: ['catalina.sh', 'run'], WorkingDir: '/usr/local/tomcat' },
      (entries) => {
        expect(entries.map((e) => e.header.name)).toEqual([
          'usr/',
          'usr/local/',
          'usr/local/tomcat/',
          'usr/local/tomcat/webapps/',
          'usr/local/tomcat/webapps/ROOT.war',
        ]);
        expect(fileIn(entries, 'usr/local/tomcat/webapps/ROOT.war')?.content.equals(packages['app.war'].bytes)).toBe(true);
      },
    ],
    [
      'NODEJS',
      'node:20-slim',
      'demo-1.0.0.tgz',
      { Entrypoint: ['docker-entrypoint.sh'], Cmd: ['npm', 'start'], WorkingDir: '/app' },
      (entries) => {
        expect(entries.map((e) => e.header.name)).toEqual(['app/', 'app/package.json', 'app/server.js']);
        expect(fileIn(entries, 'app/server.js')?.content.toString()).toBe('require("http").createServer().listen(3000)');
      },
    ],
    [
      'PYTHON',
      'python:3.12-slim',
      'pyapp.zip',
      { Cmd: ['python3', '/app'], WorkingDir: '/app' },
      (entries) => {
        expect(entries.map((e) => e.header.name)).toEqual(['app/', 'app/__main__.py', 'app/util.py']);
        expect(fileIn(entries, 'app/__main__.py')?.content.toString()).toBe('print("hi")');
      },
    ],
    [
      'PHP',
      'php:8.3-apache',
      'site.zip',
      { Entrypoint: ['docker-php-entrypoint'], Cmd: ['apache2-foreground'], WorkingDir: '/var/www/html' },
      (entries) => {
        expect(entries.filter((e) => e.header.type === 'file').map((e) => e.header.name)).toEqual([
          'var/www/html/index.php',
          'var/www/html/lib/db.php',
        ]);
        expect(fileIn(entries, 'var/www/html/index.php')?.content.toString()).toBe('<?php echo "hello";');
      },
    ],
  ])('%s: %s + %s', async (stack, base, pkg, expected, checkLayer) => {
    const target = `jobs/${stack.toLowerCase()}-app`;
    const lines: string[] = [];
    const result = await assembler().assemble(
      request(stack, base, `${target}:build-7`, pkg, { onProgress: (l) => lines.push(l) }),
    );

    const ref = `${registry.host}/${target}:build-7`;
    const inspected = (await skopeoInspect(ref)) as { Digest: string; Layers: string[]; Labels: Record<string, string> };
    expect(inspected.Digest).toBe(result.digest);
    expect(inspected.Layers).toHaveLength(3); // the demo bases have two
    expect(inspected.Layers).toEqual(result.layers.map((l) => l.digest));
    expect(inspected.Labels).toMatchObject({
      ...LABELS,
      'io.stagecraft.demo-base': 'true',
      'org.opencontainers.image.created': '2026-01-02T03:04:05Z',
      'org.opencontainers.image.title': `${stack.toLowerCase()}-app`,
      'org.opencontainers.image.base.name': `${registry.host}/${base}`,
    });

    const config = (await skopeoInspect(ref, { config: true })) as {
      config: Record<string, unknown>;
      rootfs: { diff_ids: string[] };
      history: unknown[];
      created: string;
    };
    expect({ Entrypoint: config.config.Entrypoint, Cmd: config.config.Cmd, WorkingDir: config.config.WorkingDir }).toEqual(
      expect.objectContaining(Object.fromEntries(Object.entries(expected))),
    );
    expect(config.rootfs.diff_ids).toHaveLength(3);
    expect(config.history).toHaveLength(3);
    expect(config.created).toBe('2026-01-02T03:04:05Z');

    const raw = (await skopeoInspect(ref, { raw: true })) as { mediaType: string; layers: { mediaType: string }[] };
    expect(raw.mediaType).toBe(MediaTypes.ociManifest);
    // A JAR or WAR is deflated already: its layer is a plain tar, read as it was written.
    const compressedAlready = stack === 'JAVA' || stack === 'TOMCAT';
    expect(raw.layers[2].mediaType).toBe(compressedAlready ? MediaTypes.ociLayerTar : MediaTypes.ociLayerGzip);
    // Uncompressed, the blob is the tar: its digest is its diff id.
    expect(config.rootfs.diff_ids[2] === result.layers[2].digest).toBe(compressedAlready);
    expect(result).toMatchObject({ reference: ref, manifestMediaType: MediaTypes.ociManifest, size: expect.any(Number) });
    expect(result.layers.map((l) => `${l.origin}:${l.action}`)).toEqual(['base:mounted', 'base:mounted', 'package:uploaded']);

    checkLayer(await packageLayer(target, result.layers[2].digest));
    expect(result.steps).toEqual(lines);
    expect(lines[0]).toBe(`Pulling base image ${registry.host}/${base}`);
    expect(lines.at(-1)).toMatch(new RegExp(`^Manifest ${result.digest} pushed as ${ref.replace(/[.]/g, '\\.')} \\(3 layers\\)`));
  });

  it('leaves a Python base command alone when the package has no __main__.py', async () => {
    const lines: string[] = [];
    const result = await assembler().assemble(
      request('PYTHON', 'python:3.12-slim', 'jobs/flask:1', 'flask.tar.gz', { onProgress: (l) => lines.push(l) }),
    );
    const config = (await skopeoInspect(result.reference, { config: true })) as { config: Record<string, unknown> };
    expect(config.config).toMatchObject({ Cmd: ['python3'], WorkingDir: '/app' });
    expect(lines).toContain('Cmd left as the base image\'s (["python3"]): the package has no top-level __main__.py');
  });

  it("runs a folder package's Procfile web: command, through /bin/sh in its folder, without the base's Entrypoint", async () => {
    const pkg = join(dir, 'procfile-app.zip');
    await writeFile(
      pkg,
      buildZip([
        { name: 'app/Procfile', content: 'release: node migrate.js\nweb: node --max-old-space-size=256 server.js\n' },
        { name: 'app/package.json', content: '{"name":"procfile-app"}' },
        { name: 'app/server.js', content: 'require("http").createServer().listen(3000)' },
      ]),
    );
    const lines: string[] = [];
    const result = await assembler().assemble({
      ...request('NODEJS', 'node:20-slim', 'jobs/procfile-app:1', 'demo-1.0.0.tgz', { onProgress: (l) => lines.push(l) }),
      packageFile: pkg,
    });
    const config = (await skopeoInspect(result.reference, { config: true })) as { config: Record<string, unknown> };
    expect(config.config.Cmd).toEqual(['/bin/sh', '-c', 'node --max-old-space-size=256 server.js']);
    expect(config.config.Entrypoint).toBeUndefined();
    expect(config.config.WorkingDir).toBe('/app');
    expect(lines).toContain(
      'Command set by the package\'s Procfile (web: node --max-old-space-size=256 server.js): /bin/sh -c in /app, the base image\'s Entrypoint (["docker-entrypoint.sh"]) cleared',
    );
    // The Procfile itself stays in the image, where the buildpacks convention has it.
    const entries = await packageLayer('jobs/procfile-app', result.layers.at(-1)!.digest);
    expect(entries.map((e) => e.header.name)).toEqual(['app/', 'app/Procfile', 'app/package.json', 'app/server.js']);
  });

  it('keeps the Docker v2 family for a Docker v2 base', async () => {
    const result = await assembler().assemble(request('NODEJS', 'docker/node:20-slim', 'jobs/docker-node:1', 'demo-1.0.0.tgz'));
    expect(result.manifestMediaType).toBe(MediaTypes.dockerManifest);
    const raw = (await skopeoInspect(result.reference, { raw: true })) as {
      mediaType: string;
      config: { mediaType: string };
      layers: { mediaType: string }[];
      annotations?: unknown;
    };
    expect(raw.mediaType).toBe(MediaTypes.dockerManifest);
    expect(raw.config.mediaType).toBe(MediaTypes.dockerConfig);
    expect(raw.layers.map((l) => l.mediaType)).toEqual([
      MediaTypes.dockerLayerGzip,
      MediaTypes.dockerLayerGzip,
      MediaTypes.dockerLayerGzip,
    ]);
    expect(raw.annotations).toBeUndefined();
  });

  it('gzips a JAR at level 0 on a Docker v2 base, whose manifest names no uncompressed layers', async () => {
    const result = await assembler().assemble(request('JAVA', 'docker/eclipse-temurin:17-jre', 'jobs/docker-jar:1', 'app.jar'));
    const raw = (await skopeoInspect(result.reference, { raw: true })) as { layers: { mediaType: string }[] };
    expect(raw.layers.at(-1)!.mediaType).toBe(MediaTypes.dockerLayerGzip);
    const blob = await client.getBlobBytes('jobs/docker-jar', result.layers.at(-1)!.digest, 64 << 20);
    expect(blob.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000403'); // XFL 4: level 0, stored blocks
    const entries = await readTarEntries(blob);
    expect(fileIn(entries, 'app/app.jar')?.content.equals(packages['app.jar'].bytes)).toBe(true);
  });

  it('picks linux/amd64 from a base index and records the index', async () => {
    const index = await client.getRawManifest('multi/eclipse-temurin', '17-jre');
    const result = await assembler().assemble(request('JAVA', 'multi/eclipse-temurin:17-jre', 'jobs/from-index:1', 'app.jar'));
    expect(result.base.indexDigest).toBe(index.digest);
    const inspected = (await skopeoInspect(result.reference)) as { Architecture: string; Labels: Record<string, string> };
    expect(inspected.Architecture).toBe('amd64');
    expect(inspected.Labels['org.opencontainers.image.base.digest']).toBe(index.digest);
  });

  it('copies base layers from another registry, and skips everything already present on a rebuild', async () => {
    const assembler = () => new ImageAssembler({ tmpDir: work, staging: 'temp-file' }); // knows the layer digest before uploading
    const first = await assembler().assemble({
      ...request('JAVA', '', 'jobs/cross:1', 'app.jar'),
      baseImage: `${otherRegistry.host}/eclipse-temurin:17-jre`,
    });
    expect(first.layers.map((l) => l.action)).toEqual(['copied', 'copied', 'uploaded']);
    const lines: string[] = [];
    const again = await assembler().assemble({
      ...request('JAVA', '', 'jobs/cross:2', 'app.jar'),
      baseImage: `${otherRegistry.host}/eclipse-temurin:17-jre`,
      onProgress: (l) => lines.push(l),
    });
    expect(again.layers.map((l) => l.action)).toEqual(['present', 'present', 'present']);
    expect(again.digest).toBe(first.digest); // same base, package, labels and created time: the same image
    expect(lines).toContain('Package layer already in jobs/cross: not uploaded again');
    expect(lines).toContain(`Config ${again.configDigest} already in jobs/cross`);
    expect(await skopeoInspect(`${registry.host}/jobs/cross:2`)).toMatchObject({ Digest: first.digest });
  });

  it('builds the same layer through a temp file as when streaming it straight into the upload', async () => {
    const viaFile = await assembler({ staging: 'temp-file' }).assemble(
      request('NODEJS', 'node:20-slim', 'jobs/staging-file:1', 'demo-1.0.0.tgz'),
    );
    const streamed = await assembler().assemble(request('NODEJS', 'node:20-slim', 'jobs/staging-stream:1', 'demo-1.0.0.tgz'));
    expect(streamed.layers[2]).toMatchObject({ digest: viaFile.layers[2].digest, action: 'uploaded' });
    expect((await skopeoInspect(streamed.reference)) as { Layers: string[] }).toMatchObject({
      Layers: viaFile.layers.map((l) => l.digest),
    });
  });

  it('sets created to the build time when the request does not pin it', async () => {
    const now = new Date('2030-05-06T07:08:09.000Z');
    const result = await assembler({ now: () => now }).assemble({
      ...request('PHP', 'php:8.3-apache', 'jobs/now:1', 'site.zip'),
      created: undefined,
    });
    const config = (await skopeoInspect(result.reference, { config: true })) as {
      created: string;
      config: { Labels: Record<string, string> };
    };
    expect(config.created).toBe('2030-05-06T07:08:09Z');
    expect(config.config.Labels['org.opencontainers.image.created']).toBe('2030-05-06T07:08:09Z');
  });

  it('rejects an unsafe archive before pushing anything, and leaves no temp files', async () => {
    const error = await assembler()
      .assemble(request('PYTHON', 'python:3.12-slim', 'jobs/evil:1', 'evil.tgz'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackageRejectedError);
    expect((error as Error).message).toBe('the archive entry "../../etc/cron.d/x" climbs out of the archive with ".."');
    expect(await client.headManifest('jobs/evil', '1')).toBeNull();
    expect(await readdir(work)).toEqual([]);
  });

  it('stops when the build is cancelled, with the cancellation as the reason and nothing left behind', async () => {
    const controller = new AbortController();
    const cancelled = new Error('build cancelled');
    const onProgress = (line: string) => line.startsWith('Package ') && controller.abort(cancelled);
    const error = await assembler()
      .assemble(
        request('JAVA', 'eclipse-temurin:17-jre', 'jobs/cancelled:1', 'app.jar', { onProgress, signal: controller.signal }),
      )
      .catch((e: unknown) => e);
    expect(error).toBe(cancelled);
    expect(await client.headManifest('jobs/cancelled', '1')).toBeNull();
    expect(await readdir(work)).toEqual([]);
  });

  it('refuses a digest as target and reports a missing base image', async () => {
    const digest = `sha256:${'0'.repeat(64)}`;
    await expect(
      assembler().assemble(request('JAVA', 'eclipse-temurin:17-jre', `jobs/x@${digest}`, 'app.jar')),
    ).rejects.toMatchObject({
      code: 'REFERENCE_INVALID',
    });
    await expect(assembler().assemble(request('JAVA', 'Eclipse:17', 'jobs/x:1', 'app.jar'))).rejects.toBeInstanceOf(
      AssemblyError,
    );
    await expect(assembler().assemble(request('JAVA', 'eclipse-temurin:8', 'jobs/x:1', 'app.jar'))).rejects.toMatchObject({
      code: 'MANIFEST_UNKNOWN',
      status: 404,
    });
    expect(await readdir(work)).toEqual([]);
  });
});

describe('seedDemoBaseImages', () => {
  it('is idempotent: seeding again gives the same digests', async () => {
    const again = await seedDemoBaseImages(client);
    const pulled = await Promise.all(again.map((s) => client.getManifest(s.repository, s.tag)));
    expect(pulled.map((p) => p.digest)).toEqual(again.map((s) => s.digest));
    expect(again.map((s) => `${s.stack} ${s.repository}:${s.tag}`)).toEqual([
      'JAVA eclipse-temurin:17-jre',
      'TOMCAT tomcat:10.1-jre17',
      'NODEJS node:20-slim',
      'PYTHON python:3.12-slim',
      'PHP php:8.3-apache',
    ]);
    const entries = await readTarEntries((await client.getBlob('php', pulled[4].body.layers[0].digest)).stream);
    expect(fileIn(entries, 'etc/os-release')?.content.toString()).toContain('Stagecraft demo base');
  });
});
