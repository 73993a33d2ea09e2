import { createHash, randomBytes } from 'node:crypto';

import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { buildExecutableJar, buildTarGz, buildZip } from '@stagecraft/testing';
import { Client } from 'pg';

import { errorOf, type GraphQLResponse, type Platform, startPlatform } from './platform-harness';

const PACKAGE_FIELDS =
  'id name version source bucket objectKey techStack sizeBytes sha256 verification status rejectionReason enterpriseProject { name }';
const CREATE_UPLOAD = `mutation($n: String!, $v: String!, $s: PackageSource!, $e: ID, $t: TechStack, $b: String, $sha: String) {
  createPackageUpload(name: $n, version: $v, source: $s, enterpriseProjectId: $e, techStack: $t, bucket: $b, sha256: $sha) {
    uploadUrl uploadHeaders { name value } expiresAt package { ${PACKAGE_FIELDS} }
  }
}`;
const COMPLETE = `mutation($id: ID!) { completePackageUpload(id: $id) { ${PACKAGE_FIELDS} } }`;

interface PackageView {
  id: string;
  status: string;
  techStack: string | null;
  sha256: string | null;
  sizeBytes: number | null;
  rejectionReason: string | null;
  objectKey: string;
  enterpriseProject: { name: string };
}

describe('software packages through GraphQL (real Postgres, NATS and S3 API)', () => {
  let platform: Platform;
  let admin: string;

  beforeAll(async () => {
    platform = await startPlatform();
    admin = await platform.adminToken();
  });
  afterAll(() => platform.close());

  async function upload(name: string, version: string, bytes: Buffer, extra: Record<string, unknown> = {}, token = admin) {
    const created = await platform.gql<{ createPackageUpload: { uploadUrl: string; package: PackageView } }>(
      CREATE_UPLOAD,
      { n: name, v: version, s: 'SWR', ...extra },
      token,
    );
    expect(created.errors).toBeUndefined();
    const { uploadUrl, package: pkg } = created.data!.createPackageUpload;
    expect(pkg.status).toBe('PENDING_UPLOAD');
    const put = await fetch(uploadUrl, { method: 'PUT', body: bytes });
    expect(put.status).toBe(200);
    return pkg;
  }

  async function complete(id: string, token = admin) {
    return platform.gql<{ completePackageUpload: PackageView }>(COMPLETE, { id }, token);
  }

  it('uploads through the presigned URL, reads the bytes once and detects the stack', async () => {
    const jar = buildExecutableJar('com.example.Orders', 4096);
    const pkg = await upload('orders', '1.0.0', jar);
    const done = await complete(pkg.id);
    expect(done.data!.completePackageUpload).toMatchObject({
      status: 'READY',
      techStack: 'JAVA',
      sizeBytes: jar.length,
      sha256: createHash('sha256').update(jar).digest('hex'),
      verification: 'FULL_READ',
      rejectionReason: null,
      enterpriseProject: { name: 'default' },
    });
    expect(errorOf(await complete(pkg.id))).toEqual({ code: 'CONFLICT', field: 'id' });
  });

  describe('with the sha256 declared up front', () => {
    type Created = {
      createPackageUpload: { uploadUrl: string; uploadHeaders: { name: string; value: string }[]; package: PackageView };
    };
    const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const headersOf = (created: Created) =>
      Object.fromEntries(created.createPackageUpload.uploadHeaders.map((header) => [header.name, header.value]));

    it('lets the store verify the bytes as they arrive: READY by STORE_CHECKSUM', async () => {
      const jar = buildExecutableJar('com.example.Declared', 2 * 1024 * 1024);
      const created = await platform.gql<Created>(
        CREATE_UPLOAD,
        { n: 'declared', v: '1.0.0', s: 'SWR', sha: sha256Of(jar) },
        admin,
      );
      expect(created.errors).toBeUndefined();
      expect(headersOf(created.data!)).toEqual({ 'x-amz-checksum-sha256': Buffer.from(sha256Of(jar), 'hex').toString('base64') });

      const put = await fetch(created.data!.createPackageUpload.uploadUrl, {
        method: 'PUT',
        headers: headersOf(created.data!),
        body: jar,
      });
      expect(put.status).toBe(200);
      expect((await complete(created.data!.createPackageUpload.package.id)).data!.completePackageUpload).toMatchObject({
        status: 'READY',
        techStack: 'JAVA',
        sizeBytes: jar.length,
        sha256: sha256Of(jar),
        verification: 'STORE_CHECKSUM',
      });
    });

    it('has other bytes refused by the store, directly and through the gateway, and the package stays empty', async () => {
      const declared = buildExecutableJar('com.example.Declared', 1024);
      const other = buildExecutableJar('com.example.Swapped', 1024);
      const created = await platform.gql<Created>(
        CREATE_UPLOAD,
        { n: 'swapped', v: '1.0.0', s: 'SWR', sha: sha256Of(declared) },
        admin,
      );
      const { uploadUrl, package: pkg } = created.data!.createPackageUpload;

      const direct = await fetch(uploadUrl, { method: 'PUT', headers: headersOf(created.data!), body: other });
      expect(direct.status).toBe(400);
      expect(await direct.text()).toContain('<Code>BadDigest</Code>');
      const viaGateway = await fetch(`${platform.url}/packages/${pkg.id}/content`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/octet-stream' },
        body: other,
      });
      expect(viaGateway.status).toBe(400);
      expect(await viaGateway.json()).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sha256' });
      expect(errorOf(await complete(pkg.id))).toEqual({ code: 'CONFLICT', field: 'id' });

      const right = await fetch(`${platform.url}/packages/${pkg.id}/content`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/octet-stream' },
        body: declared,
      });
      expect(right.status).toBe(200);
      expect((await complete(pkg.id)).data!.completePackageUpload).toMatchObject({
        status: 'READY',
        sha256: sha256Of(declared),
        verification: 'STORE_CHECKSUM',
      });
    });

    it('refuses a sha256 that is no SHA-256, naming the field', async () => {
      expect(errorOf(await platform.gql(CREATE_UPLOAD, { n: 'bad-sha', v: '1', s: 'SWR', sha: 'not-a-digest' }, admin))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'sha256',
      });
    });
  });

  it('makes name and version unique in the repository', async () => {
    await upload('unique-app', '2.0.0', buildExecutableJar());
    const again = await platform.gql(CREATE_UPLOAD, { n: 'Unique-App', v: '2.0.0', s: 'SWR' }, admin);
    expect(errorOf(again)).toEqual({ code: 'CONFLICT', field: 'name' });
  });

  it('refuses to complete before anything was uploaded', async () => {
    const created = await platform.gql<{ createPackageUpload: { package: PackageView } }>(
      CREATE_UPLOAD,
      { n: 'empty', v: '1', s: 'SWR' },
      admin,
    );
    const result = await complete(created.data!.createPackageUpload.package.id);
    expect(errorOf(result)).toEqual({ code: 'CONFLICT', field: 'id' });
    expect(result.errors![0].message).toBe('nothing has been uploaded for this package yet');
    const still = await platform.gql<{ softwarePackage: PackageView }>(
      `query($id: ID!) { softwarePackage(id: $id) { status } }`,
      { id: created.data!.createPackageUpload.package.id },
      admin,
    );
    expect(still.data!.softwarePackage.status).toBe('PENDING_UPLOAD');
  });

  it('rejects a declared stack the contents contradict, and bytes that are no archive', async () => {
    const contradicted = await upload('liar', '1.0.0', buildExecutableJar(), { t: 'NODEJS' });
    const liar = (await complete(contradicted.id)).data!.completePackageUpload;
    expect(liar.status).toBe('REJECTED');
    expect(liar.rejectionReason).toMatch(/NODEJS.*JAVA|JAVA.*NODEJS/);
    const junk = await upload('junk', '1.0.0', randomBytes(2048));
    const rejected = (await complete(junk.id)).data!.completePackageUpload;
    expect(rejected.status).toBe('REJECTED');
    expect(rejected.rejectionReason).toBeTruthy();
  });

  it.each([
    [
      'NODEJS',
      () =>
        buildTarGz([
          { name: 'package/package.json', content: '{"name":"web","scripts":{"start":"node index.js"}}' },
          { name: 'package/index.js', content: '' },
        ]),
    ],
    [
      'TOMCAT',
      () =>
        Promise.resolve(
          buildZip([
            { name: 'WEB-INF/web.xml', content: '<web-app/>' },
            { name: 'index.jsp', content: 'hi' },
          ]),
        ),
    ],
    [
      'PYTHON',
      () =>
        Promise.resolve(
          buildZip([
            { name: 'requirements.txt', content: 'flask\n' },
            { name: 'app.py', content: '' },
          ]),
        ),
    ],
    [
      'PHP',
      () =>
        Promise.resolve(
          buildZip([
            { name: 'composer.json', content: '{}' },
            { name: 'index.php', content: '<?php' },
          ]),
        ),
    ],
  ])('detects %s packages', async (stack, build) => {
    const pkg = await upload(`stack-${stack.toLowerCase()}`, '1.0.0', await build());
    expect((await complete(pkg.id)).data!.completePackageUpload).toMatchObject({ status: 'READY', techStack: stack });
  });

  it('accepts the bytes through the gateway (PUT /packages/:id/content)', async () => {
    const tgz = await buildTarGz([
      { name: 'package/package.json', content: '{"name":"via-gateway"}' },
      { name: 'package/big.bin', content: randomBytes(3 * 1024 * 1024) },
    ]);
    const created = await platform.gql<{ createPackageUpload: { package: PackageView } }>(
      CREATE_UPLOAD,
      { n: 'via-gateway', v: '1.0.0', s: 'SWR' },
      admin,
    );
    const id = created.data!.createPackageUpload.package.id;
    const unauthenticated = await fetch(`${platform.url}/packages/${id}/content`, { method: 'PUT', body: tgz });
    expect(unauthenticated.status).toBe(401);
    const put = await fetch(`${platform.url}/packages/${id}/content`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/octet-stream' },
      body: tgz,
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ id, sizeBytes: tgz.length });
    expect((await complete(id)).data!.completePackageUpload).toMatchObject({
      status: 'READY',
      techStack: 'NODEJS',
      sizeBytes: tgz.length,
    });
  });

  it('names the field of every bad input and stores nothing', async () => {
    const count = async () => {
      const db = new Client({ connectionString: platform.databaseUrl });
      await db.connect();
      const { rows } = await db.query('SELECT count(*)::int AS n FROM artifacts.software_packages');
      await db.end();
      return rows[0].n as number;
    };
    const before = await count();
    expect(errorOf(await platform.gql(CREATE_UPLOAD, { n: 'has space', v: '1', s: 'SWR' }, admin))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'name',
    });
    expect(errorOf(await platform.gql(CREATE_UPLOAD, { n: 'ok', v: '-1', s: 'SWR' }, admin))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'version',
    });
    expect(errorOf(await platform.gql(CREATE_UPLOAD, { n: 'ok', v: '1', s: 'OBS' }, admin))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'bucket',
    });
    // A missing project answers as one without rights (FORBIDDEN), even to an administrator.
    expect(
      errorOf(await platform.gql(CREATE_UPLOAD, { n: 'ok', v: '1', s: 'SWR', e: '00000000-0000-4000-8000-000000000000' }, admin)),
    ).toEqual({
      code: 'FORBIDDEN',
      field: undefined,
    });
    expect(await count()).toBe(before);
  });

  it('scopes packages to enterprise projects: another project answers NOT_FOUND, lists filter in SQL', async () => {
    const red = await platform.createProject(admin, 'red');
    const blue = await platform.createProject(admin, 'blue');
    const redPkg = await upload('red-app', '1.0.0', buildExecutableJar(), { e: red });
    const bluePkg = await upload('blue-app', '1.0.0', buildExecutableJar(), { e: blue });
    const redUser = await platform.userWith(admin, 'red-dev', ['servicestage:package:*'], [red]);

    const list = await platform.gql<{ softwarePackages: { edges: { node: { name: string } }[] } }>(
      `{ softwarePackages(first: 50) { edges { node { name enterpriseProject { name } } } pageInfo { hasNextPage endCursor } } }`,
      {},
      redUser.token,
    );
    expect(list.data!.softwarePackages.edges.map((e) => e.node.name)).toEqual(['red-app']);
    const theirs = await platform.gql(`query($id: ID!) { softwarePackage(id: $id) { id } }`, { id: bluePkg.id }, redUser.token);
    const missing = await platform.gql(
      `query($id: ID!) { softwarePackage(id: $id) { id } }`,
      { id: '00000000-0000-4000-8000-000000000001' },
      redUser.token,
    );
    expect(errorOf(theirs)).toEqual(errorOf(missing));
    expect(errorOf(theirs).code).toBe('NOT_FOUND');
    expect(
      errorOf(await platform.gql(`mutation($id: ID!) { deleteSoftwarePackage(id: $id) }`, { id: bluePkg.id }, redUser.token))
        .code,
    ).toBe('NOT_FOUND');
    expect(errorOf(await platform.gql(CREATE_UPLOAD, { n: 'sneak', v: '1', s: 'SWR', e: blue }, redUser.token)).code).toBe(
      'FORBIDDEN',
    );

    const nobody = await platform.userWith(admin, 'nobody', ['servicestage:cluster:get'], [red]);
    const none = await platform.gql<{ softwarePackages: { edges: unknown[] } }>(
      `{ softwarePackages { edges { cursor } } }`,
      {},
      nobody.token,
    );
    expect(none.data!.softwarePackages.edges).toEqual([]);
    expect(redPkg.id).toBeTruthy();
  });

  it('pages through packages with opaque cursors', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: GraphQLResponse<{
        softwarePackages: {
          edges: { cursor: string; node: { id: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      }> = await platform.gql(
        `query($a: String) { softwarePackages(first: 3, after: $a) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
        { a: after },
        admin,
      );
      seen.push(...page.data!.softwarePackages.edges.map((e) => e.node.id));
      if (!page.data!.softwarePackages.pageInfo.hasNextPage) break;
      after = page.data!.softwarePackages.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThan(6);
    expect(errorOf(await platform.gql(`{ softwarePackages(after: "garbage") { edges { cursor } } }`, {}, admin))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
  });

  it('deletes the package and its object', async () => {
    const pkg = await upload('doomed', '1.0.0', buildExecutableJar());
    await complete(pkg.id);
    const s3 = new S3Client({
      endpoint: platform.s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await s3.send(new HeadObjectCommand({ Bucket: 'stagecraft-packages', Key: pkg.objectKey }));
    expect((await platform.gql(`mutation($id: ID!) { deleteSoftwarePackage(id: $id) }`, { id: pkg.id }, admin)).data).toEqual({
      deleteSoftwarePackage: pkg.id,
    });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'stagecraft-packages', Key: pkg.objectKey }))).rejects.toMatchObject({
      name: 'NotFound',
    });
    expect(errorOf(await platform.gql(`query($id: ID!) { softwarePackage(id: $id) { id } }`, { id: pkg.id }, admin)).code).toBe(
      'NOT_FOUND',
    );
    s3.destroy();
  });

  it('registers OBS objects with the account credentials, kept encrypted', async () => {
    const register = `mutation($n: String!, $v: String!, $b: String!, $k: String!) { registerObsPackage(name: $n, version: $v, bucket: $b, objectKey: $k) { ${PACKAGE_FIELDS} } }`;
    expect(errorOf(await platform.gql(register, { n: 'obs-app', v: '1', b: 'team-bucket', k: 'app.zip' }, admin))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'bucket',
    });

    const secret = 'obs-secret-' + randomBytes(6).toString('hex');
    const configured = await platform.gql(
      `mutation($e: String!, $k: String!, $s: String!) { configureObsCredentials(endpoint: $e, region: "cn-north-4", accessKeyId: $k, secretAccessKey: $s) { endpoint accessKeyId } }`,
      { e: platform.s3.endpoint, k: 'S3RVER', s: secret },
      admin,
    );
    expect(configured.data).toEqual({ configureObsCredentials: { endpoint: platform.s3.endpoint, accessKeyId: 'S3RVER' } });

    const s3 = new S3Client({
      endpoint: platform.s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'team-bucket' }));
    const wheel = buildZip([
      { name: 'app-1.0.dist-info/METADATA', content: 'Name: app\n' },
      { name: 'app-1.0.dist-info/WHEEL', content: 'Wheel-Version: 1.0\n' },
      { name: 'app/__init__.py', content: '' },
    ]);
    await s3.send(new PutObjectCommand({ Bucket: 'team-bucket', Key: 'builds/app-1.0-py3-none-any.whl', Body: wheel }));
    s3.destroy();

    expect(errorOf(await platform.gql(register, { n: 'obs-app', v: '1', b: 'team-bucket', k: 'missing.zip' }, admin))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'objectKey',
    });
    const registered = await platform.gql<{ registerObsPackage: PackageView & { bucket: string; source: string } }>(
      register,
      { n: 'obs-app', v: '1', b: 'team-bucket', k: 'builds/app-1.0-py3-none-any.whl' },
      admin,
    );
    expect(registered.data!.registerObsPackage).toMatchObject({
      status: 'READY',
      techStack: 'PYTHON',
      source: 'OBS',
      bucket: 'team-bucket',
      sizeBytes: wheel.length,
    });

    const db = new Client({ connectionString: platform.databaseUrl });
    await db.connect();
    const { rows } = await db.query('SELECT * FROM artifacts.obs_credentials');
    await db.end();
    expect(JSON.stringify(rows)).not.toContain(secret);
  });
});
