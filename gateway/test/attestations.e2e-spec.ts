import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildZip } from '@stagecraft/archive/testing';
import { skopeoInspect } from '@stagecraft/oci/testing';

import { baseImageFields, packageJobInput, type Platform, startPlatform } from './platform-harness';

interface Attestation {
  attachedAs: string;
  predicateTypes: string[];
  provenance: string;
  provenanceDigest: string;
  sbom: string;
  sbomDigest: string;
  sbomEnvelope: string;
  sbomComponents: number;
}

interface BuildView {
  id: string;
  status: string;
  reason: string | null;
  imageDigest: string | null;
  attestation: Attestation | null;
}

const FIELDS =
  'id status reason imageDigest attestation { attachedAs predicateTypes provenance provenanceDigest sbom sbomDigest sbomEnvelope sbomComponents }';

/** What a user outside the platform does: verify the envelope with nothing but the published PEM. */
function verifiedPayload(
  envelopeJson: string,
  publicKeyPem: string,
): { subject: { digest: { sha256: string } }[]; predicateType: string } {
  const envelope = JSON.parse(envelopeJson) as { payloadType: string; payload: string; signatures: { sig: string }[] };
  const body = Buffer.from(envelope.payload, 'base64');
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${envelope.payloadType.length} ${envelope.payloadType} ${body.length} `), body]);
  if (!verify('sha256', pae, createPublicKey(publicKeyPem), Buffer.from(envelope.signatures[0].sig, 'base64')))
    throw new Error('the envelope does not verify with attestationPublicKey');
  return JSON.parse(body.toString('utf8')) as never;
}

describe('attestations through GraphQL: Build.attestation and attestationPublicKey (issue 17 item 3)', () => {
  let platform: Platform;
  let admin: string;
  let dir: string;
  let jobId: string;
  let succeededId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stagecraft-attest-e2e-'));
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    await writeFile(join(dir, 'attestation-key.pem'), key, { mode: 0o600 });
    platform = await startPlatform({}, {}, { ATTESTATION_SIGNING_KEY_FILE: join(dir, 'attestation-key.pem') });
    admin = await platform.adminToken();
    const jar = buildZip([
      { name: 'META-INF/MANIFEST.MF', content: 'Manifest-Version: 1.0\r\nMain-Class: com.shop.Orders\r\n\r\n' },
      { name: 'META-INF/maven/com.shop/orders/pom.properties', content: 'groupId=com.shop\nartifactId=orders\nversion=2.0.0\n' },
      {
        name: 'BOOT-INF/lib/slf4j-api-2.0.13.jar',
        content: buildZip([
          {
            name: 'META-INF/maven/org.slf4j/slf4j-api/pom.properties',
            content: 'groupId=org.slf4j\nartifactId=slf4j-api\nversion=2.0.13\n',
          },
        ]),
      },
      { name: 'com/shop/Orders.class', content: Buffer.from([0xca, 0xfe, 0xba, 0xbe]) },
    ]);
    const packageId = await platform.uploadPackage(admin, 'orders', '2.0.0', jar);
    const cluster = await platform.gql<{ registerCluster: { id: string } }>(
      `mutation { registerCluster(name: "local", type: LOCAL) { id } }`,
      {},
      admin,
    );
    const images = (await platform.gql<{ baseImages: string[] }>(`{ baseImages(techStack: JAVA) }`, {}, admin)).data!.baseImages;
    const created = await platform.gql<{ createPackageJob: { job: { id: string } } }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input) { job { id } } }`,
      {
        input: packageJobInput({
          name: 'orders-attested',
          packageId,
          ...baseImageFields(images.find((image) => image.startsWith(platform.registry.host))!),
          archiveImage: `${platform.registry.host}/shop/attested:2.0.0`,
          clusterId: cluster.data!.registerCluster.id,
        }),
      },
      admin,
    );
    jobId = created.data!.createPackageJob.job.id;
  });
  afterAll(async () => {
    await platform?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const runBuild = () => platform.buildToEnd<BuildView>(admin, jobId, FIELDS);

  it('answers the signed provenance and SBOM of a succeeded build, verifiable with the public key anyone can read', async () => {
    const build = await runBuild();
    expect(build).toMatchObject({ status: 'SUCCEEDED', reason: null });
    succeededId = build.id;
    // Public: asked without a token.
    const keyAnswer = await platform.gql<{ attestationPublicKey: string }>(`{ attestationPublicKey }`, {});
    expect(keyAnswer.errors).toBeUndefined();
    const publicKey = keyAnswer.data!.attestationPublicKey;
    expect(publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);

    const attestation = build.attestation!;
    expect(attestation).toMatchObject({
      attachedAs: 'COSIGN_TAGS',
      predicateTypes: ['https://slsa.dev/provenance/v1', 'https://cyclonedx.org/bom'],
      sbomComponents: 2,
    });
    const hex = build.imageDigest!.slice('sha256:'.length);
    const provenance = verifiedPayload(attestation.provenance, publicKey);
    expect(provenance.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(provenance.subject[0].digest.sha256).toBe(hex);
    const sbomStatement = verifiedPayload(attestation.sbomEnvelope, publicKey) as unknown as { predicate: unknown };
    expect(sbomStatement.predicate).toEqual(JSON.parse(attestation.sbom));
    const purls = (JSON.parse(attestation.sbom) as { components: { purl?: string }[] }).components
      .map((c) => c.purl)
      .filter(Boolean);
    expect(purls).toEqual(expect.arrayContaining(['pkg:maven/com.shop/orders@2.0.0', 'pkg:maven/org.slf4j/slf4j-api@2.0.13']));

    // The same envelopes are in the registry, under cosign's tags, with the digests the API names.
    const att = (await skopeoInspect(`${platform.registry.host}/shop/attested:sha256-${hex}.att`, { raw: true })) as {
      layers: { digest: string }[];
    };
    expect(att.layers[0].digest).toBe(attestation.provenanceDigest);
    const sbom = (await skopeoInspect(`${platform.registry.host}/shop/attested:sha256-${hex}.sbom`, { raw: true })) as {
      layers: { digest: string }[];
    };
    expect(sbom.layers[0].digest).toBe(attestation.sbomDigest);
  });

  it('answers null for a build that did not succeed, and attaches nothing', async () => {
    await platform.gql(
      `mutation($id: ID!, $p: PackageJobPatch!) { updatePackageJob(id: $id, patch: $p) { version } }`,
      { id: jobId, p: { buildType: 'IMAGE', baseImage: `${platform.registry.host}/missing/eclipse-temurin:17` } },
      admin,
    );
    const build = await runBuild();
    expect(build).toMatchObject({ status: 'FAILED', reason: 'BASE_IMAGE_NOT_FOUND', imageDigest: null, attestation: null });
  });

  it("keeps Build.attestation to those who may read the build: another project's user gets NOT_FOUND, no envelope", async () => {
    const other = await platform.createProject(admin, 'elsewhere');
    const outsider = await platform.userWithStatements(
      admin,
      'outsider',
      [{ effect: 'ALLOW', actions: ['servicestage:*:*'] }],
      [other],
    );
    const asked = await platform.gql<{ build: BuildView | null }>(
      `query($id: ID!) { build(id: $id) { attestation { sbom } } }`,
      { id: succeededId },
      outsider.token,
    );
    expect(asked.data?.build ?? null).toBeNull();
    expect(asked.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(asked)).not.toContain('CycloneDX');
  });
});
