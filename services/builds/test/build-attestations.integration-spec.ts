import { execFile } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { buildZip } from '@stagecraft/archive/testing';
import { loadConfig } from '@stagecraft/config';
import { RegistryClient } from '@stagecraft/oci';
import {
  DEMO_BASE_IMAGES,
  seedDemoBaseImages,
  skopeoInspect,
  startTestRegistry,
  type TestRegistry,
} from '@stagecraft/oci/testing';
import { createTestDatabase, type TestDatabase, testNatsSettings, testSubjectPrefix } from '@stagecraft/testing';
import { DataSource } from 'typeorm';

import { BuildsModule } from '../src/builds.module';
import { BuildRunner } from '../src/builds/build-runner';
import { BuildRepository } from '../src/builds/infra/build.repository';
import { BuildAttestationStore } from '../src/builds/infra/build-attestation.store';
import { PrunedImageRemover } from '../src/builds/pruned-image.remover';
import { BuildsConfig } from '../src/config';
import { queuedBuild } from './queued-build';

const run = promisify(execFile);

/** The statement fields this spec reads: SLSA provenance's and CycloneDX's. */
interface Statement {
  subject: unknown;
  predicate: {
    buildDefinition: { externalParameters: unknown; resolvedDependencies: unknown };
    runDetails: { metadata: { invocationId: string } };
    components: { purl?: string }[];
  };
}

interface Envelope {
  payloadType: string;
  payload: string;
  signatures: { sig: string }[];
}

/**
 * A real LOCAL build (the daemonless assembler onto a base image in a real docker-registry, which
 * has no referrers API) is attested before it turns SUCCEEDED: the image's cosign tags hold the
 * signed provenance and SBOM, verified here with the public key alone. A failed build attaches
 * nothing; a build whose attestation cannot be made ends ERROR with ATTESTATION_FAILED.
 */
describe('build attestations (real Postgres, NATS, docker-registry, LOCAL executor)', () => {
  let dir: string;
  let database: TestDatabase;
  let registry: TestRegistry;
  let app: INestApplicationContext;
  let packages: Server;
  let packageBase: string;
  /** Path → bytes, and how many more times each may be served (undefined: always). */
  const served = new Map<string, { bytes: Buffer; left?: number }>();
  const login = { username: 'stagecraft', password: randomUUID() };
  const keyPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKey = keyPair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const jar = buildZip([
    { name: 'META-INF/MANIFEST.MF', content: 'Manifest-Version: 1.0\nMain-Class: App\n' },
    {
      name: 'META-INF/maven/com.example/orders/pom.properties',
      content: 'groupId=com.example\nartifactId=orders\nversion=1.4.2\n',
    },
    { name: 'App.class', content: 'bytecode' },
  ]);
  const jarSha256 = createHash('sha256').update(jar).digest('hex');
  let baseDigest: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stagecraft-attest-it-'));
    await writeFile(join(dir, 'signing.pem'), keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    database = await createTestDatabase('buildattest');
    registry = await startTestRegistry({ basicAuth: login });
    const seeded = await seedDemoBaseImages(new RegistryClient({ registry: registry.host, credentials: login }), {
      images: DEMO_BASE_IMAGES.filter((image) => image.stack === 'JAVA'),
    });
    baseDigest = seeded[0].digest;
    packages = createServer((request, response) => {
      const entry = served.get((request.url ?? '').split('?')[0]);
      if (!entry || entry.left === 0) return response.writeHead(entry ? 500 : 404).end();
      if (entry.left !== undefined) entry.left--;
      response.end(entry.bytes);
    });
    await new Promise<void>((resolve) => packages.listen(0, '127.0.0.1', resolve));
    packageBase = `http://127.0.0.1:${(packages.address() as { port: number }).port}`;
    const config = loadConfig(BuildsConfig, {
      DATABASE_URL: database.url,
      ...testNatsSettings('builds', testSubjectPrefix()),
      BUILD_SCHEDULER_INTERVAL_MS: '3600000',
      BUILD_HISTORY_PRUNE_INTERVAL_SECONDS: '3600',
      REGISTRY_CREDENTIALS: JSON.stringify({ [registry.host]: login }),
      EGRESS_ALLOWED_CIDRS: '127.0.0.1/32',
      BUILD_CACHE_DIR: join(dir, 'cache'),
      ATTESTATION_SIGNING_KEY_FILE: join(dir, 'signing.pem'),
    });
    app = await NestFactory.createApplicationContext(BuildsModule.forConfig(config), { logger: false });
    await app.init();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await database?.drop();
    await registry?.stop();
    await new Promise((resolve) => packages?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Queues a JAVA build of the JAR into `team/orders:<tag>` and runs it here to its end. */
  const runBuild = async (tag: string, options: { baseImage?: string; servings?: number; jobId?: string } = {}) => {
    const path = `/packages/${randomUUID()}/orders.jar?X-Amz-Signature=secret`;
    served.set(path.split('?')[0], { bytes: jar, left: options.servings });
    const repository = app.get(BuildRepository);
    const created = await repository.create(
      queuedBuild(
        {
          clusterId: randomUUID(),
          packageUrl: `${packageBase}${path}`,
          packageSha256: jarSha256,
          ...(options.jobId && { jobId: options.jobId }),
        },
        {
          jobName: 'orders',
          buildSpec: {
            type: 'SYSTEM_DEFAULT',
            baseImage: options.baseImage ?? `${registry.host}/eclipse-temurin`,
            baseImageTag: '17-jre',
            dockerfile: null,
          },
          archiveImage: `${registry.host}/team/orders:${tag}`,
        },
      ),
    );
    const runner = app.get(BuildRunner);
    await app
      .get(DataSource)
      .query(
        `UPDATE builds SET status = 'SCHEDULING', runner_id = $2, lease_expires_at = now() + interval '1 hour' WHERE id = $1`,
        [created.id, runner.id],
      );
    await runner.launch(await repository.get(created.id), 'local');
    return repository.get(created.id);
  };

  const tagsOf = async (repository: string): Promise<string[]> => {
    const { stdout } = await run('skopeo', [
      'list-tags',
      '--tls-verify=false',
      '--creds',
      `${login.username}:${login.password}`,
      `docker://${registry.host}/${repository}`,
    ]);
    return (JSON.parse(stdout) as { Tags: string[] }).Tags.sort();
  };

  /** What cosign verify-attestation --key checks: the signature over DSSE's PAE, with the public PEM only. */
  const verified = (envelope: Envelope): Statement => {
    const body = Buffer.from(envelope.payload, 'base64');
    const pae = Buffer.concat([
      Buffer.from(`DSSEv1 ${envelope.payloadType.length} ${envelope.payloadType} ${body.length} `),
      body,
    ]);
    expect(verify('sha256', pae, createPublicKey(publicKey), Buffer.from(envelope.signatures[0].sig, 'base64'))).toBe(true);
    return JSON.parse(body.toString('utf8')) as Statement;
  };

  it('attests a succeeded build: cosign tags on the image hold the signed provenance and SBOM, and the build keeps them', async () => {
    const build = await runBuild('1');
    expect([build.status, build.reason, build.message]).toEqual(['SUCCEEDED', null, null]);
    // Recorded from the pushed image's annotations (read once, for this and for the provenance).
    expect([build.trigger, build.baseImage, build.baseImageDigest]).toEqual([
      'MANUAL',
      `${registry.host}/eclipse-temurin:17-jre`,
      baseDigest,
    ]);
    const digest = build.imageDigest!;
    const hex = digest.slice('sha256:'.length);
    expect(await tagsOf('team/orders')).toEqual(expect.arrayContaining(['1', `sha256-${hex}.att`, `sha256-${hex}.sbom`]));

    // Read back with skopeo, an independent client: the .att image's layers are the envelopes.
    const out = join(dir, `att-${hex}`);
    await run('skopeo', [
      'copy',
      '--src-tls-verify=false',
      '--src-creds',
      `${login.username}:${login.password}`,
      `docker://${registry.host}/team/orders:sha256-${hex}.att`,
      `dir:${out}`,
    ]);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
      layers: { digest: string; annotations: Record<string, string> }[];
    };
    expect(manifest.layers.map((layer) => layer.annotations.predicateType)).toEqual([
      'https://slsa.dev/provenance/v1',
      'https://cyclonedx.org/bom',
    ]);
    const [provenance, sbom] = await Promise.all(
      manifest.layers.map(async (layer) =>
        verified(JSON.parse(await readFile(join(out, layer.digest.slice(7)), 'utf8')) as Envelope),
      ),
    );
    expect(provenance.subject).toEqual([{ name: `${registry.host}/team/orders`, digest: { sha256: hex } }]);
    expect(provenance.predicate.buildDefinition.resolvedDependencies).toEqual([
      // The presigned query (a capability) is not in the provenance.
      {
        name: `package/${build.spec.packageId}`,
        uri: expect.stringMatching(new RegExp(`^${packageBase}/packages/[0-9a-f-]+/orders\\.jar$`)),
        digest: { sha256: jarSha256 },
      },
      expect.objectContaining({ name: `${registry.host}/eclipse-temurin:17-jre`, digest: { sha256: baseDigest.slice(7) } }),
    ]);
    expect(provenance.predicate.buildDefinition.externalParameters).toMatchObject({
      jobName: 'orders',
      techStack: 'JAVA',
      archiveImage: `${registry.host}/team/orders:1`,
    });
    expect(provenance.predicate.runDetails.metadata.invocationId).toBe(build.id);
    expect(JSON.stringify(provenance)).not.toContain('X-Amz-Signature');
    expect(sbom.predicate.components.map((c) => c.purl).filter(Boolean)).toEqual([
      `pkg:oci/eclipse-temurin@${encodeURIComponent(baseDigest)}?repository_url=${encodeURIComponent(`${registry.host}/eclipse-temurin`)}&tag=17-jre`,
      'pkg:maven/com.example/orders@1.4.2',
    ]);

    const stored = await app.get(BuildAttestationStore).find(build.id);
    expect(stored).toMatchObject({
      attachedAs: 'COSIGN_TAGS',
      predicateTypes: ['https://slsa.dev/provenance/v1', 'https://cyclonedx.org/bom'],
      sbomComponents: 1,
    });
    expect(verified(JSON.parse(stored!.provenanceEnvelope) as Envelope)).toEqual(provenance);
  }, 60_000);

  it('attaches nothing for a failed build', async () => {
    const build = await runBuild('broken', { baseImage: `${registry.host}/no-such-base` });
    expect([build.status, build.reason]).toEqual(['FAILED', 'BASE_IMAGE_NOT_FOUND']);
    expect(
      (await tagsOf('team/orders')).filter((tag) => tag === 'broken' || tag.endsWith('.att') || tag.endsWith('.sbom')),
    ).toHaveLength(2);
    expect(await app.get(BuildAttestationStore).find(build.id)).toBeNull();
  }, 60_000);

  it('ends ERROR with ATTESTATION_FAILED when the attestation cannot be made, after the image was pushed', async () => {
    // The package can be read once, by the build: the attestor's second read fails, and no artifacts service answers for a new URL.
    const build = await runBuild('2', { servings: 1 });
    expect([build.status, build.reason]).toEqual(['ERROR', 'ATTESTATION_FAILED']);
    expect(build.message).toMatch(/^the package could not be read again: /);
    // The image was pushed; nothing was attached to it.
    const pushed = (await skopeoInspect(`${registry.host}/team/orders:2`, { creds: login })) as { Digest: string };
    expect(await tagsOf('team/orders')).not.toContain(`${pushed.Digest.replace(':', '-')}.att`);
    expect(await app.get(BuildAttestationStore).find(build.id)).toBeNull();
  }, 60_000);

  it("deletes the attestation manifests with the image when a pruned build's image is deleted", async () => {
    const jobId = randomUUID();
    const older = await runBuild('old', { jobId });
    const newer = await runBuild('new', { jobId });
    expect([older.status, newer.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const tagOf = (build: { imageDigest: string | null }) => build.imageDigest!.replace(':', '-');
    expect(await tagsOf('team/orders')).toEqual(expect.arrayContaining([`${tagOf(older)}.att`, `${tagOf(older)}.sbom`]));

    const now = new Date();
    const pruned = await app
      .get(BuildRepository)
      .pruneHistory({ keepSucceeded: 1, keepFailed: 1, maxAgeDays: 0, deleteImages: true }, now);
    expect(pruned.map((build) => build.id)).toContain(older.id);
    expect((await app.get(PrunedImageRemover).removeDue(now)).deleted).toBeGreaterThanOrEqual(1);

    const tags = await tagsOf('team/orders');
    expect(tags).not.toEqual(expect.arrayContaining([`${tagOf(older)}.att`]));
    expect(tags.filter((tag) => tag.startsWith(tagOf(older)))).toEqual([]);
    // The kept build's image and attestations stay.
    expect(tags).toEqual(expect.arrayContaining(['new', `${tagOf(newer)}.att`, `${tagOf(newer)}.sbom`]));
  }, 90_000);
});
