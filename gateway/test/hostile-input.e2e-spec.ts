import { buildTarball, overlappingZip, zerosZip } from '@stagecraft/archive/testing';
import { buildExecutableJar, buildTarGz } from '@stagecraft/testing';
import { Client } from 'pg';

import { errorWithMessageOf, packageJobInput, type Platform, startPlatform } from './platform-harness';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const PACKAGE_FIELDS = 'id status techStack sizeBytes sha256 rejectionReason';
const CREATE_UPLOAD = `mutation($n: String!, $v: String!, $size: Float) {
  createPackageUpload(name: $n, version: $v, source: SWR, sizeBytes: $size) { uploadUrl package { id } }
}`;
const COMPLETE = `mutation($id: ID!) { completePackageUpload(id: $id) { ${PACKAGE_FIELDS} } }`;
const CREATE_JOB = `mutation($input: PackageJobInput!) { createPackageJob(input: $input) { job { id } } }`;

interface PackageView {
  id: string;
  status: string;
  techStack: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  rejectionReason: string | null;
}

describe('hostile archives and inputs through GraphQL (issue 10, items 1 and 5)', () => {
  let platform: Platform;
  let admin: string;
  let version = 0;

  beforeAll(async () => {
    platform = await startPlatform();
    admin = await platform.adminToken();
  });
  afterAll(() => platform.close());

  async function count(table: string): Promise<number> {
    const db = new Client({ connectionString: platform.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table}`);
      return rows[0].n;
    } finally {
      await db.end();
    }
  }

  /** createPackageUpload, PUT the bytes, completePackageUpload: what it answers. */
  async function uploadAndComplete(bytes: Buffer, sizeBytes?: number): Promise<PackageView> {
    const created = await platform.gql<{ createPackageUpload: { uploadUrl: string; package: { id: string } } }>(
      CREATE_UPLOAD,
      { n: 'hostile', v: `1.0.${++version}`, size: sizeBytes },
      admin,
    );
    expect(created.errors).toBeUndefined();
    const put = await fetch(created.data!.createPackageUpload.uploadUrl, { method: 'PUT', body: bytes });
    expect(put.status).toBe(200);
    const completed = await platform.gql<{ completePackageUpload: PackageView }>(
      COMPLETE,
      { id: created.data!.createPackageUpload.package.id },
      admin,
    );
    expect(completed.errors).toBeUndefined();
    return completed.data!.completePackageUpload;
  }

  describe('completePackageUpload refuses hostile archives', () => {
    it('the 1 MB zip of 1 GiB zeros: REJECTED, naming the compression ratio limit', async () => {
      const bomb = zerosZip({ name: 'package.json', bytes: GiB });
      expect(bomb.length).toBeLessThan(2 * MiB);
      const pkg = await uploadAndComplete(bomb);
      expect(pkg).toMatchObject({ status: 'REJECTED', techStack: null, sizeBytes: bomb.length });
      expect(pkg.rejectionReason).toMatch(
        /^the zip archive unpacks to more than 200 times its size \(.*the compression ratio limit is 200:1 past \d+ bytes\): refusing a likely decompression bomb$/,
      );
    });

    it('the overlapping-entries zip (30 central entries on one stream): REJECTED', async () => {
      const pkg = await uploadAndComplete(overlappingZip({ copies: 30, bytes: 4 * MiB, distinctNames: true }));
      expect(pkg.status).toBe('REJECTED');
      expect(pkg.rejectionReason).toMatch(
        /^corrupt zip archive: the entries "0\.bin" and "1\.bin" overlap .*refusing a likely zip bomb$/,
      );
    });

    it.each<[string, Parameters<typeof buildTarball>[0], RegExp]>([
      ['traversal', [{ name: 'package/../../../etc/cron.d/x', content: 'x' }], /climbs out of the archive with "\.\."$/],
      [
        'an absolute path',
        [{ name: '/etc/cron.d/x', content: 'x' }],
        /^the archive entry "\/etc\/cron\.d\/x" has an absolute path$/,
      ],
      [
        'a symlink out of the tree',
        [{ name: 'package/keys', type: 'symlink', linkname: '../../../root/.ssh' }],
        /^the symlink "package\/keys" → "\.\.\/\.\.\/\.\.\/root\/\.ssh" points outside the package$/,
      ],
      [
        'a device file',
        [{ name: 'package/mem', type: 'character-device' }],
        /^the archive entry "package\/mem" is a character-device, which a package cannot hold$/,
      ],
    ])('a tar.gz with %s: REJECTED with the rule', async (_, entries, reason) => {
      const bytes = await buildTarball([{ name: 'package/package.json', content: '{"name":"x"}' }, ...entries]);
      const pkg = await uploadAndComplete(bytes);
      expect(pkg.status).toBe('REJECTED');
      expect(pkg.rejectionReason).toMatch(reason);
    });

    it('an ordinary JAR and npm tarball are still READY', async () => {
      expect(await uploadAndComplete(buildExecutableJar('com.shop.Main'))).toMatchObject({ status: 'READY', techStack: 'JAVA' });
      const npm = await buildTarGz([
        { name: 'package/package.json', content: '{"name":"web"}' },
        { name: 'package/index.js', content: 'console.log(1)' },
      ]);
      expect(await uploadAndComplete(npm)).toMatchObject({ status: 'READY', techStack: 'NODEJS' });
    });
  });

  describe('declared sizes', () => {
    it('REJECTS 377 bytes uploaded for a declared sizeBytes of 100, naming both; READY when they match', async () => {
      const jar = buildExecutableJar('com.shop.Sized');
      const wrong = await uploadAndComplete(jar, 100);
      expect(wrong).toMatchObject({
        status: 'REJECTED',
        sizeBytes: jar.length,
        rejectionReason: `the upload is ${jar.length} bytes, not the declared sizeBytes of 100`,
      });
      expect(await uploadAndComplete(jar, jar.length)).toMatchObject({ status: 'READY', sizeBytes: jar.length });
    });
  });

  describe('control characters in string inputs', () => {
    let packageId: string;
    let clusterId: string;

    beforeAll(async () => {
      packageId = (await uploadAndComplete(buildExecutableJar('com.shop.Nul'))).id;
      const cluster = await platform.gql<{ registerCluster: { id: string } }>(
        `mutation { registerCluster(name: "local", type: LOCAL) { id } }`,
        {},
        admin,
      );
      clusterId = cluster.data!.registerCluster.id;
    });

    const job = (overrides: Record<string, unknown>) =>
      packageJobInput({
        name: 'orders',
        packageId,
        archiveImage: '127.0.0.1:5000/shop/orders:1.0.0',
        clusterId,
        nodeLabels: [{ key: 'stagecraft.io/build-node', value: 'true' }],
        ...overrides,
      });

    it.each<[string, Record<string, unknown>, string, string]>([
      ['a NUL in a job name', { name: 'ord\u0000ers' }, 'input.name', 'a NUL byte (U+0000)'],
      [
        'a NUL in a Dockerfile',
        { buildType: 'CUSTOM_DOCKERFILE', dockerfile: 'FROM node:20\nRUN echo \u0000\n', baseImage: null, baseImageTag: null },
        'input.dockerfile',
        'a NUL byte (U+0000)',
      ],
      [
        'an escape sequence in a description',
        { description: 'ok\u001b[2J' },
        'input.description',
        'a control character (U+001B)',
      ],
      ['a newline in a description', { description: 'two\nlines' }, 'input.description', 'a control character (U+000A)'],
    ])('createPackageJob: %s is BAD_USER_INPUT naming the field, and nothing is stored', async (_, overrides, field, what) => {
      const before = await count('jobs.package_jobs');
      const result = await platform.gql(CREATE_JOB, { input: job(overrides) }, admin);
      expect(errorWithMessageOf(result)).toEqual({
        code: 'BAD_USER_INPUT',
        field,
        message: expect.stringMatching(
          new RegExp(`^${field.replace('.', '\\.')}: must not contain ${what.replace(/[()+]/g, '\\$&')}`),
        ),
      });
      expect(await count('jobs.package_jobs')).toBe(before);
    });

    it('createPackageJob still takes a Dockerfile with tabs and line breaks', async () => {
      const result = await platform.gql(
        CREATE_JOB,
        {
          input: job({
            name: 'multi-line',
            buildType: 'CUSTOM_DOCKERFILE',
            dockerfile: 'FROM node:20\r\nCOPY package.jar /app/\n\tCMD ["java"]\n',
            baseImage: null,
            baseImageTag: null,
          }),
        },
        admin,
      );
      expect(result.errors).toBeUndefined();
    });

    it('createPackageUpload: a NUL in a package name is BAD_USER_INPUT on name, and nothing is stored', async () => {
      const before = await count('artifacts.software_packages');
      const result = await platform.gql(CREATE_UPLOAD, { n: 'web\u0000', v: '1.0.0' }, admin);
      expect(errorWithMessageOf(result)).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'name',
        message: 'name: must not contain a NUL byte (U+0000), found at position 3',
      });
      expect(await count('artifacts.software_packages')).toBe(before);
    });
  });
});
