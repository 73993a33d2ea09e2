import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { buildZip } from '@stagecraft/archive/testing';

import { attachAttestations, createBuildAttestations, type DsseEnvelope, loadSigningKey } from '../src/attestation';
import { sha256Digest } from '../src/digest';
import { RegistryClient } from '../src/registry.client';
import { startTestRegistry, type TestRegistry } from '../src/testing/registry-process';
import { skopeoInspect } from '../src/testing/skopeo';
import { pushTinyImage } from '../src/testing/tiny-image';

const run = promisify(execFile);
const key = loadSigningKey(
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
);

/** The verifier's side, written from the DSSE spec: PAE, then ECDSA P-256/SHA-256 against the public PEM. */
function verifiedStatement(envelope: DsseEnvelope): Record<string, unknown> {
  const body = Buffer.from(envelope.payload, 'base64');
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${envelope.payloadType.length} ${envelope.payloadType} ${body.length} `), body]);
  const ok = verify('sha256', pae, createPublicKey(key.publicKeyPem), Buffer.from(envelope.signatures[0].sig, 'base64'));
  if (!ok) throw new Error('signature does not verify');
  return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
}

let dir: string;
let packageFile: string;
const packageBytes = buildZip([
  { name: 'META-INF/maven/com.example/app/pom.properties', content: 'groupId=com.example\nartifactId=app\nversion=1.0.0\n' },
  { name: 'app.class', content: 'x' },
]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attest-it-'));
  packageFile = join(dir, 'app.jar');
  await writeFile(packageFile, packageBytes);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function attestationsFor(registry: string, imageDigest: string) {
  return createBuildAttestations(
    {
      imageName: `${registry}/team/app`,
      imageDigest,
      buildType: 'https://stagecraft.dev/docs/attestations#build-type-v1',
      externalParameters: { buildSpec: { type: 'SYSTEM_DEFAULT' } },
      package: { name: 'app.jar', sha256: sha256Digest(packageBytes).slice(7), uri: 'http://s3.local/bucket/app.jar' },
      baseImage: { name: `${registry}/base/java`, digest: `sha256:${'e'.repeat(64)}` },
      builderId: 'https://stagecraft.dev/builders/local',
      invocationId: 'build-1',
      startedOn: new Date('2026-12-05T10:00:00Z'),
      finishedOn: new Date('2026-12-05T10:01:00Z'),
      packageFile,
      toolVersion: 'test',
    },
    key,
    { tmpDir: dir },
  );
}

describe('attachAttestations on docker-registry 2.8 (no referrers API): cosign tags', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry();
  });
  afterAll(() => registry?.stop());

  it('pushes sha256-<hex>.att with both signed envelopes and sha256-<hex>.sbom with the CycloneDX BOM, read back by skopeo', async () => {
    const client = new RegistryClient({ registry: registry.host });
    const image = await pushTinyImage(client, 'team/app', { family: 'oci', text: 'hello', tag: 'v1' });
    const signed = await attestationsFor(registry.host, image.digest);
    const result = await attachAttestations(client, 'team/app', image.digest, signed.envelopes, signed.bom);
    expect(result.attachedAs).toBe('COSIGN_TAGS');

    const tag = `${registry.host}/team/app:sha256-${image.digest.slice(7)}`;
    const att = (await skopeoInspect(`${tag}.att`, { raw: true })) as {
      layers: { mediaType: string; annotations: Record<string, string> }[];
    };
    expect(att.layers.map((l) => [l.mediaType, l.annotations])).toEqual([
      [
        'application/vnd.dsse.envelope.v1+json',
        { 'dev.cosignproject.cosign/signature': '', predicateType: 'https://slsa.dev/provenance/v1' },
      ],
      [
        'application/vnd.dsse.envelope.v1+json',
        { 'dev.cosignproject.cosign/signature': '', predicateType: 'https://cyclonedx.org/bom' },
      ],
    ]);
    // An independent client copies the attestation image out; its layer files are the envelopes.
    const out = join(dir, 'att');
    await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${tag}.att`, `dir:${out}`]);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
    const [provenance, sbom] = await Promise.all(
      manifest.layers.map(async (l) =>
        verifiedStatement(JSON.parse(await readFile(join(out, l.digest.slice(7)), 'utf8')) as DsseEnvelope),
      ),
    );
    expect(provenance).toMatchObject({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: `${registry.host}/team/app`, digest: { sha256: image.digest.slice(7) } }],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: {
        buildDefinition: {
          resolvedDependencies: [
            { name: 'app.jar', uri: 'http://s3.local/bucket/app.jar', digest: { sha256: sha256Digest(packageBytes).slice(7) } },
            { name: `${registry.host}/base/java`, digest: { sha256: 'e'.repeat(64) } },
          ],
        },
        runDetails: { metadata: { invocationId: 'build-1', finishedOn: '2026-12-05T10:01:00.000Z' } },
      },
    });
    expect(sbom).toMatchObject({
      predicateType: 'https://cyclonedx.org/bom',
      predicate: { bomFormat: 'CycloneDX', specVersion: '1.5' },
    });

    const sbomManifest = (await skopeoInspect(`${tag}.sbom`, { raw: true })) as {
      layers: { mediaType: string; digest: string }[];
    };
    expect(sbomManifest.layers).toEqual([
      expect.objectContaining({ mediaType: 'application/vnd.cyclonedx+json', digest: sha256Digest(signed.bom.bytes) }),
    ]);
    const bom = JSON.parse((await client.getBlobBytes('team/app', sbomManifest.layers[0].digest)).toString()) as {
      components: { purl?: string }[];
    };
    expect(bom.components.map((c) => c.purl).filter(Boolean)).toEqual([
      `pkg:oci/java@sha256%3A${'e'.repeat(64)}?repository_url=${encodeURIComponent(`${registry.host}/base/java`)}`,
      'pkg:maven/com.example/app@1.0.0',
    ]);
  });
});

/**
 * docker-registry 2.8 has no referrers API, so this branch runs against a small in-test registry
 * that has one: it records what is pushed, which is what the test checks.
 */
describe('attachAttestations where the referrers API exists', () => {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { type: string; bytes: Buffer }>();
  let server: Server;
  let host: string;
  const imageDigest = sha256Digest('image-manifest');
  beforeAll(async () => {
    manifests.set(imageDigest, { type: 'application/vnd.oci.image.manifest.v1+json', bytes: Buffer.from('image-manifest') });
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const path = url.pathname;
        if (req.method === 'GET' && /\/referrers\//.test(path)) {
          res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.index.v1+json' });
          return res.end(
            JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }),
          );
        }
        const manifest = /\/manifests\/(.+)$/.exec(path);
        if (manifest && req.method === 'HEAD') {
          const found = manifests.get(manifest[1]);
          if (!found) return res.writeHead(404).end();
          res.writeHead(200, {
            'Content-Type': found.type,
            'Docker-Content-Digest': manifest[1],
            'Content-Length': found.bytes.length,
          });
          return res.end();
        }
        if (manifest && req.method === 'PUT') {
          const body = Buffer.concat(chunks);
          manifests.set(manifest[1], { type: req.headers['content-type'] ?? '', bytes: body });
          res.writeHead(201, { 'Docker-Content-Digest': sha256Digest(body) });
          return res.end();
        }
        const blob = /\/blobs\/(sha256:[0-9a-f]+)$/.exec(path);
        if (blob && req.method === 'HEAD') return res.writeHead(blobs.has(blob[1]) ? 200 : 404).end();
        if (req.method === 'POST' && path.endsWith('/blobs/uploads/'))
          return res.writeHead(202, { Location: `${path}session`, 'Content-Length': 0 }).end();
        if (req.method === 'PUT' && path.endsWith('/blobs/uploads/session')) {
          blobs.set(url.searchParams.get('digest') ?? '', Buffer.concat(chunks));
          return res.writeHead(201).end();
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('pushes one artifact manifest per attestation with the image as subject, and no cosign tags', async () => {
    const client = new RegistryClient({ registry: host });
    const signed = await attestationsFor(host, imageDigest);
    const result = await attachAttestations(client, 'team/app', imageDigest, signed.envelopes, signed.bom);
    expect(result.attachedAs).toBe('REFERRERS');
    expect(result.manifests).toHaveLength(3);
    const pushed = result.manifests.map(
      (digest) => JSON.parse(manifests.get(digest)!.bytes.toString()) as Record<string, unknown>,
    );
    expect(
      pushed.map((m) => [m.artifactType, m.subject, (m.annotations as Record<string, string> | undefined)?.predicateType]),
    ).toEqual([
      [
        'application/vnd.dsse.envelope.v1+json',
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: imageDigest, size: 14 },
        'https://slsa.dev/provenance/v1',
      ],
      [
        'application/vnd.dsse.envelope.v1+json',
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: imageDigest, size: 14 },
        'https://cyclonedx.org/bom',
      ],
      [
        'application/vnd.cyclonedx+json',
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: imageDigest, size: 14 },
        undefined,
      ],
    ]);
    const firstLayer = (pushed[0].layers as { digest: string }[])[0].digest;
    expect(verifiedStatement(JSON.parse(blobs.get(firstLayer)!.toString()) as DsseEnvelope)).toMatchObject({
      predicateType: 'https://slsa.dev/provenance/v1',
    });
    expect([...manifests.keys()].some((k) => k.endsWith('.att') || k.endsWith('.sbom'))).toBe(false);
  });
});
