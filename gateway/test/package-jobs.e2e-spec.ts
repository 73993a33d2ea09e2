import { buildExecutableJar, buildTarGz } from '@stagecraft/testing';
import { Client } from 'pg';

import { errorOf, packageJobInput, type Platform, startPlatform } from './platform-harness';

const JOB_FIELDS = `id name description version techStack imageClass archiveImage
  buildSpec { type baseImage baseImageTag dockerfile } nodeLabels { key value } warnings { line kind message }
  package { name } cluster { name } createdBy { name } enterpriseProject { name }`;
const CREATE = `mutation($input: PackageJobInput!) { createPackageJob(input: $input) { job { ${JOB_FIELDS} } } }`;
const UPDATE = `mutation($id: ID!, $patch: PackageJobPatch!, $v: Int) { updatePackageJob(id: $id, patch: $patch, expectedVersion: $v) { ${JOB_FIELDS} } }`;
const LOCAL_LABEL = { key: 'stagecraft.io/build-node', value: 'true' };

describe('package jobs through GraphQL: every rule of the console form', () => {
  let platform: Platform;
  let admin: string;
  let javaPackage: string;
  let nodePackage: string;
  let pendingPackage: string;
  let clusterId: string;
  let otherProject: string;
  let otherCluster: string;

  async function uploadPackage(name: string, bytes: Buffer, projectId?: string): Promise<string> {
    const created = await platform.gql<{ createPackageUpload: { uploadUrl: string; package: { id: string } } }>(
      `mutation($n: String!, $e: ID) { createPackageUpload(name: $n, version: "1.0.0", source: SWR, enterpriseProjectId: $e) { uploadUrl package { id } } }`,
      { n: name, e: projectId },
      admin,
    );
    const { uploadUrl, package: pkg } = created.data!.createPackageUpload;
    await fetch(uploadUrl, { method: 'PUT', body: bytes });
    const done = await platform.gql(`mutation($id: ID!) { completePackageUpload(id: $id) { status } }`, { id: pkg.id }, admin);
    expect(done.data).toEqual({ completePackageUpload: { status: 'READY' } });
    return pkg.id;
  }

  async function jobCount(): Promise<number> {
    const db = new Client({ connectionString: platform.databaseUrl });
    await db.connect();
    const { rows } = await db.query('SELECT count(*)::int AS n FROM jobs.package_jobs');
    await db.end();
    return rows[0].n;
  }

  const input = (overrides: Record<string, unknown> = {}) =>
    packageJobInput({
      name: 'orders-build',
      description: 'builds the orders service',
      packageId: javaPackage,
      archiveImage: '127.0.0.1:5000/shop/orders:1.0.0',
      clusterId,
      nodeLabels: [LOCAL_LABEL],
      ...overrides,
    });

  beforeAll(async () => {
    platform = await startPlatform();
    admin = await platform.adminToken();
    javaPackage = await uploadPackage('orders', buildExecutableJar('com.shop.Orders'));
    nodePackage = await uploadPackage('web', await buildTarGz([{ name: 'package/package.json', content: '{"name":"web"}' }]));
    const pending = await platform.gql<{ createPackageUpload: { package: { id: string } } }>(
      `mutation { createPackageUpload(name: "pending", version: "1", source: SWR) { package { id } } }`,
      {},
      admin,
    );
    pendingPackage = pending.data!.createPackageUpload.package.id;
    const cluster = await platform.gql<{ registerCluster: { id: string } }>(
      `mutation { registerCluster(name: "local", type: LOCAL) { id } }`,
      {},
      admin,
    );
    clusterId = cluster.data!.registerCluster.id;
    otherProject = await platform.createProject(admin, 'elsewhere');
    const other = await platform.gql<{ registerCluster: { id: string } }>(
      `mutation($e: ID) { registerCluster(name: "elsewhere-local", type: LOCAL, enterpriseProjectId: $e) { id } }`,
      { e: otherProject },
      admin,
    );
    otherCluster = other.data!.registerCluster.id;
  });
  afterAll(() => platform.close());

  it('answers the SYSTEM_DEFAULT catalog of a stack', async () => {
    const images = await platform.gql<{ baseImages: string[] }>(`{ baseImages(techStack: JAVA) }`, {}, admin);
    expect(images.data!.baseImages).toContain('eclipse-temurin:17-jre');
  });

  it.each([
    ['name', { name: '_bad' }, 'BAD_USER_INPUT'],
    ['name', { name: 'n'.repeat(65) }, 'BAD_USER_INPUT'],
    ['description', { description: 'd'.repeat(65) }, 'BAD_USER_INPUT'],
    ['packageId', { packageId: '00000000-0000-4000-8000-000000000000' }, 'BAD_USER_INPUT'],
    ['packageId', { packageId: 'PENDING' }, 'BAD_USER_INPUT'],
    ['baseImage', { baseImage: 'node' }, 'BAD_USER_INPUT'],
    ['baseImageTag', { baseImageTag: '6-jre' }, 'BAD_USER_INPUT'],
    ['baseImage', { buildType: 'IMAGE', baseImage: 'python:3.12' }, 'BAD_USER_INPUT'],
    ['dockerfile', { buildType: 'CUSTOM_DOCKERFILE', dockerfile: 'RUN echo hi' }, 'BAD_USER_INPUT'],
    ['dockerfile', { buildType: 'CUSTOM_DOCKERFILE', dockerfile: 'FROM x\n' + '#'.repeat(65 * 1024) }, 'BAD_USER_INPUT'],
    ['archiveImage', { archiveImage: 'Shop/Orders:1' }, 'BAD_USER_INPUT'],
    ['clusterId', { clusterId: '00000000-0000-4000-8000-000000000000' }, 'BAD_USER_INPUT'],
    ['clusterId', { clusterId: 'OTHER' }, 'BAD_USER_INPUT'],
    ['nodeLabels', { nodeLabels: [{ key: 'gpu', value: 'true' }] }, 'BAD_USER_INPUT'],
    ['nodeLabels[0].key', { nodeLabels: [{ key: 'bad key', value: 'x' }] }, 'BAD_USER_INPUT'],
  ])('refuses a bad %s and stores nothing', async (field, overrides, code) => {
    const resolved = { ...overrides } as Record<string, unknown>;
    if (resolved.packageId === 'PENDING') resolved.packageId = pendingPackage;
    if (resolved.clusterId === 'OTHER') resolved.clusterId = otherCluster;
    const before = await jobCount();
    const result = await platform.gql(CREATE, { input: input(resolved) }, admin);
    expect(errorOf(result)).toEqual({ code, field });
    expect(await jobCount()).toBe(before);
  });

  it('refuses a missing enterpriseProjectId as FORBIDDEN, as a project without rights, and stores nothing', async () => {
    const before = await jobCount();
    const result = await platform.gql(
      CREATE,
      { input: input({ enterpriseProjectId: '00000000-0000-4000-8000-000000000000' }) },
      admin,
    );
    expect(result.errors?.[0]).toMatchObject({
      message: 'servicestage:assembling:create is not allowed in this enterprise project',
      extensions: { code: 'FORBIDDEN' },
    });
    expect(await jobCount()).toBe(before);
  });

  it('saves a job (Save) with its package, cluster and creator', async () => {
    const created = await platform.gql<{ createPackageJob: { job: Record<string, unknown> } }>(CREATE, { input: input() }, admin);
    expect(created.errors).toBeUndefined();
    expect(created.data!.createPackageJob.job).toMatchObject({
      name: 'orders-build',
      version: 1,
      techStack: 'JAVA',
      imageClass: 'PRIVATE',
      buildSpec: { type: 'SYSTEM_DEFAULT', baseImage: 'eclipse-temurin', baseImageTag: '17-jre', dockerfile: null },
      nodeLabels: [LOCAL_LABEL],
      package: { name: 'orders' },
      cluster: { name: 'local' },
      createdBy: { name: 'admin' },
      enterpriseProject: { name: 'default' },
    });
    expect(errorOf(await platform.gql(CREATE, { input: input({ name: 'ORDERS-build' }) }, admin))).toEqual({
      code: 'CONFLICT',
      field: 'name',
    });
  });

  it('lets the unique index decide a race between two creates of one name', async () => {
    const [nodeImage] = (await platform.gql<{ baseImages: string[] }>(`{ baseImages(techStack: NODEJS) }`, {}, admin)).data!
      .baseImages;
    const tagAt = nodeImage.lastIndexOf(':');
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        platform.gql(
          CREATE,
          {
            input: input({
              name: 'raced',
              packageId: nodePackage,
              baseImage: nodeImage.slice(0, tagAt),
              baseImageTag: nodeImage.slice(tagAt + 1),
            }),
          },
          admin,
        ),
      ),
    );
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.filter((r) => r.errors).map(errorOf)).toEqual([
      { code: 'CONFLICT', field: 'name' },
      { code: 'CONFLICT', field: 'name' },
    ]);
  });

  it('saves a custom Dockerfile with likely secrets, with warnings that do not repeat the secret', async () => {
    const dockerfile = 'FROM node:20-slim\nENV DB_PASSWORD="hunter22x"\nCOPY . /app\nCMD ["npm", "start"]\n';
    const created = await platform.gql<{ createPackageJob: { job: { warnings: { line: number; kind: string }[] } } }>(
      CREATE,
      {
        input: input({
          name: 'custom',
          packageId: nodePackage,
          buildType: 'CUSTOM_DOCKERFILE',
          baseImage: null,
          baseImageTag: null,
          dockerfile,
        }),
      },
      admin,
    );
    expect(created.data!.createPackageJob.job.warnings).toEqual([expect.objectContaining({ line: 2, kind: 'password-literal' })]);
    expect(JSON.stringify(created.data!.createPackageJob.job.warnings)).not.toContain('hunter22x');
  });

  it('updates with optimistic concurrency: a stale expectedVersion is a CONFLICT', async () => {
    const list = await platform.gql<{ packageJobs: { edges: { node: { id: string; name: string } }[] } }>(
      `{ packageJobs(filter: { nameContains: "orders" }) { edges { node { id name } } } }`,
      {},
      admin,
    );
    const id = list.data!.packageJobs.edges[0].node.id;
    const updated = await platform.gql<{ updatePackageJob: { version: number; buildSpec: { baseImageTag: string } } }>(
      UPDATE,
      { id, patch: { baseImageTag: '21-jre' }, v: 1 },
      admin,
    );
    expect(updated.data!.updatePackageJob).toMatchObject({ version: 2, buildSpec: { baseImageTag: '21-jre' } });
    expect(errorOf(await platform.gql(UPDATE, { id, patch: { description: 'late' }, v: 1 }, admin))).toEqual({
      code: 'CONFLICT',
      field: 'expectedVersion',
    });
    expect(errorOf(await platform.gql(UPDATE, { id, patch: { baseImageTag: 'nope' }, v: 2 }, admin))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'baseImageTag',
    });
    const unchanged = await platform.gql<{ packageJob: { version: number; buildSpec: { baseImageTag: string } } }>(
      `query($id: ID!) { packageJob(id: $id) { version buildSpec { baseImageTag } } }`,
      { id },
      admin,
    );
    expect(unchanged.data!.packageJob).toEqual({ version: 2, buildSpec: { baseImageTag: '21-jre' } });
  });

  it('refuses to delete a package or a cluster a job uses', async () => {
    expect(
      errorOf(await platform.gql(`mutation($id: ID!) { deleteSoftwarePackage(id: $id) }`, { id: javaPackage }, admin)),
    ).toEqual({ code: 'CONFLICT', field: 'id' });
    expect(errorOf(await platform.gql(`mutation($id: ID!) { deleteCluster(id: $id) }`, { id: clusterId }, admin))).toEqual({
      code: 'CONFLICT',
      field: 'id',
    });
  });

  it('scopes jobs to enterprise projects, counts on request, and deletes', async () => {
    const outsider = await platform.userWith(admin, 'outsider', ['servicestage:assembling:*'], [otherProject]);
    const theirs = await platform.gql<{ packageJobs: { edges: unknown[]; totalCount: number } }>(
      `{ packageJobs { edges { cursor } totalCount } }`,
      {},
      outsider.token,
    );
    expect(theirs.data!.packageJobs).toEqual({ edges: [], totalCount: 0 });
    const mine = await platform.gql<{ packageJobs: { edges: { node: { id: string } }[]; totalCount: number } }>(
      `{ packageJobs(first: 2) { edges { node { id } } totalCount } }`,
      {},
      admin,
    );
    expect(mine.data!.packageJobs.totalCount).toBe(3);
    const id = mine.data!.packageJobs.edges[0].node.id;
    expect(errorOf(await platform.gql(`query($id: ID!) { packageJob(id: $id) { id } }`, { id }, outsider.token)).code).toBe(
      'NOT_FOUND',
    );
    expect(errorOf(await platform.gql(`mutation($id: ID!) { deletePackageJob(id: $id) }`, { id }, outsider.token)).code).toBe(
      'NOT_FOUND',
    );
    expect((await platform.gql(`mutation($id: ID!) { deletePackageJob(id: $id) }`, { id }, admin)).data).toEqual({
      deletePackageJob: id,
    });
    expect(errorOf(await platform.gql(`query($id: ID!) { packageJob(id: $id) { id } }`, { id }, admin)).code).toBe('NOT_FOUND');
  });

  it('takes build rights away with a Deny of assembling create', async () => {
    const frozen = await platform.userWith(admin, 'frozen', ['servicestage:*:*'], null);
    const { createPolicy } = (
      await platform.gql<{ createPolicy: { id: string } }>(
        `mutation { createPolicy(name: "no-builds", statements: [{ effect: DENY, actions: ["servicestage:assembling:create", "servicestage:assembling:modify", "servicestage:assembling:delete"] }]) { id } }`,
        {},
        admin,
      )
    ).data!;
    await platform.gql(
      `mutation($p: ID!, $u: ID!) { attachPolicy(policyId: $p, userId: $u) { id } }`,
      { p: createPolicy.id, u: frozen.id },
      admin,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(errorOf(await platform.gql(CREATE, { input: input({ name: 'not-allowed' }) }, frozen.token)).code).toBe('FORBIDDEN');
    const visible = await platform.gql<{ packageJobs: { edges: unknown[] } }>(
      `{ packageJobs { edges { cursor } } }`,
      {},
      frozen.token,
    );
    expect(visible.data!.packageJobs.edges.length).toBeGreaterThan(0);
  });

  it("keeps each job's build history by its own policy, else its project's, and only those with rights set them", async () => {
    const RETENTION = 'keepSucceeded keepFailed maxAgeDays enterpriseProjectId jobId source';
    const created = await platform.gql<{ createPackageJob: { job: { id: string } } }>(
      CREATE,
      { input: input({ name: 'kept' }) },
      admin,
    );
    const jobId = created.data!.createPackageJob.job.id;
    const projectId = (
      await platform.gql<{ packageJob: { enterpriseProject: { id: string } } }>(
        `query($id: ID!) { packageJob(id: $id) { enterpriseProject { id } } }`,
        { id: jobId },
        admin,
      )
    ).data!.packageJob.enterpriseProject.id;
    const ofJob = async (token: string) =>
      platform.gql<{ packageJob: { buildRetention: Record<string, unknown> } }>(
        `query($id: ID!) { packageJob(id: $id) { buildRetention { ${RETENTION} } } }`,
        { id: jobId },
        token,
      );
    const SET_JOB = `mutation($j: ID!, $r: BuildRetentionInput) { setJobBuildRetention(jobId: $j, retention: $r) { ${RETENTION} } }`;
    const SET_PROJECT = `mutation($e: ID!, $r: BuildRetentionInput) { setProjectBuildRetention(enterpriseProjectId: $e, retention: $r) { ${RETENTION} } }`;

    // The platform's until someone sets one (BUILD_HISTORY_* defaults: 50, 50, no age).
    expect((await ofJob(admin)).data!.packageJob.buildRetention).toEqual({
      keepSucceeded: 50,
      keepFailed: 50,
      maxAgeDays: 0,
      enterpriseProjectId: projectId,
      jobId,
      source: 'PLATFORM',
    });
    const project = await platform.gql(
      SET_PROJECT,
      { e: projectId, r: { keepSucceeded: 10, keepFailed: 5, maxAgeDays: 90 } },
      admin,
    );
    expect(project.data).toEqual({
      setProjectBuildRetention: {
        keepSucceeded: 10,
        keepFailed: 5,
        maxAgeDays: 90,
        enterpriseProjectId: projectId,
        jobId: null,
        source: 'PROJECT',
      },
    });
    expect((await ofJob(admin)).data!.packageJob.buildRetention).toMatchObject({ keepFailed: 5, source: 'PROJECT' });
    const own = await platform.gql(SET_JOB, { j: jobId, r: { keepSucceeded: 3, keepFailed: 2, maxAgeDays: 0 } }, admin);
    expect(own.data).toEqual({
      setJobBuildRetention: {
        keepSucceeded: 3,
        keepFailed: 2,
        maxAgeDays: 0,
        enterpriseProjectId: projectId,
        jobId,
        source: 'JOB',
      },
    });

    // A bad value names its field and rule, and changes nothing.
    const negative = await platform.gql(SET_JOB, { j: jobId, r: { keepSucceeded: -1, keepFailed: 2, maxAgeDays: 0 } }, admin);
    expect(errorOf(negative)).toEqual({ code: 'BAD_USER_INPUT', field: 'retention.keepSucceeded' });
    const tooOld = await platform.gql(
      SET_PROJECT,
      { e: projectId, r: { keepSucceeded: 1, keepFailed: 1, maxAgeDays: 3651 } },
      admin,
    );
    expect(errorOf(tooOld)).toEqual({ code: 'BAD_USER_INPUT', field: 'retention.maxAgeDays' });
    expect((await ofJob(admin)).data!.packageJob.buildRetention).toMatchObject({
      keepSucceeded: 3,
      keepFailed: 2,
      source: 'JOB',
    });

    // Another project's member sees neither; a member denied assembling:modify reads but does not set.
    const outsider = await platform.userWith(admin, 'retention-outsider', ['servicestage:assembling:*'], [otherProject]);
    expect(errorOf(await ofJob(outsider.token)).code).toBe('NOT_FOUND');
    expect(errorOf(await platform.gql(SET_JOB, { j: jobId, r: null }, outsider.token)).code).toBe('NOT_FOUND');
    expect(errorOf(await platform.gql(SET_PROJECT, { e: projectId, r: null }, outsider.token)).code).toBe('FORBIDDEN');
    const reader = await platform.userWithStatements(
      admin,
      'retention-reader',
      [
        { effect: 'ALLOW', actions: ['servicestage:assembling:*'] },
        { effect: 'DENY', actions: ['servicestage:assembling:modify'] },
      ],
      [projectId],
    );
    expect((await ofJob(reader.token)).data!.packageJob.buildRetention).toMatchObject({ source: 'JOB' });
    expect(errorOf(await platform.gql(SET_JOB, { j: jobId, r: null }, reader.token)).code).toBe('FORBIDDEN');
    expect(errorOf(await platform.gql(SET_PROJECT, { e: projectId, r: null }, reader.token)).code).toBe('FORBIDDEN');

    // Cleared, the job follows its project's again; the project's cleared, the platform's.
    expect((await platform.gql(SET_JOB, { j: jobId, r: null }, admin)).data).toMatchObject({
      setJobBuildRetention: { source: 'PROJECT' },
    });
    expect((await platform.gql(SET_PROJECT, { e: projectId, r: null }, admin)).data).toMatchObject({
      setProjectBuildRetention: { source: 'PLATFORM', keepSucceeded: 50 },
    });
  });
});
