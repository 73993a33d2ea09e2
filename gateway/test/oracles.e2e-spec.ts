import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@stagecraft/config';
import { buildTarGz, connectTestNats, testNatsSettings } from '@stagecraft/testing';
import type { NatsConnection } from 'nats';

import { GatewayConfig } from '../src/config';
import { startGateway } from '../src/start-gateway';
import { type GraphQLResponse, type Platform, startPlatform } from './platform-harness';

/** What a caller learns from an answer: the data and every error's message, code and field. */
function answerOf(response: GraphQLResponse) {
  return {
    data: response.data ?? null,
    errors: (response.errors ?? []).map((error) => ({
      message: error.message,
      code: error.extensions?.code,
      field: error.extensions?.field,
    })),
  };
}

/** The page's own script: present only when GraphiQL itself is served. */
const GRAPHIQL_PAGE = /graphiql(\.min)?\.js/;
const MISSING = '00000000-0000-4000-8000-00000000beef';
const LOCAL_LABEL = { key: 'stagecraft.io/build-node', value: 'true' };
const CREATE_JOB = `mutation($input: PackageJobInput!) { createPackageJob(input: $input) { job { id name } } }`;
const CREATE_UPLOAD = `mutation($e: ID) { createPackageUpload(name: "probe", version: "1", source: SWR, enterpriseProjectId: $e) { package { id } } }`;
const BUILDS = `query($j: ID!) { builds(jobId: $j, first: 1) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;

describe('oracles: "not yours" answers exactly as "not there"; the schema and the service-call budget', () => {
  let platform: Platform;
  let admin: string;
  let projectA: string;
  let projectB: string;
  let aJob: string;
  let bUser: { id: string; token: string };
  let bInput: (name: string) => Record<string, unknown>;

  async function uploadInto(projectId: string, name: string): Promise<string> {
    const created = await platform.gql<{ createPackageUpload: { uploadUrl: string; package: { id: string } } }>(
      `mutation($n: String!, $e: ID) { createPackageUpload(name: $n, version: "1.0.0", source: SWR, enterpriseProjectId: $e) { uploadUrl package { id } } }`,
      { n: name, e: projectId },
      admin,
    );
    const { uploadUrl, package: pkg } = created.data!.createPackageUpload;
    await fetch(uploadUrl, {
      method: 'PUT',
      body: await buildTarGz([{ name: 'package/package.json', content: JSON.stringify({ name }) }]),
    });
    const done = await platform.gql(`mutation($id: ID!) { completePackageUpload(id: $id) { status } }`, { id: pkg.id }, admin);
    expect(done.data).toEqual({ completePackageUpload: { status: 'READY' } });
    return pkg.id;
  }

  async function localCluster(projectId: string, name: string): Promise<string> {
    const created = await platform.gql<{ registerCluster: { id: string } }>(
      `mutation($n: String!, $e: ID) { registerCluster(name: $n, type: LOCAL, enterpriseProjectId: $e) { id } }`,
      { n: name, e: projectId },
      admin,
    );
    return created.data!.registerCluster.id;
  }

  beforeAll(async () => {
    platform = await startPlatform();
    admin = await platform.adminToken();
    projectA = await platform.createProject(admin, 'alpha');
    projectB = await platform.createProject(admin, 'bravo');
    const [nodeImage] = (await platform.gql<{ baseImages: string[] }>(`{ baseImages(techStack: NODEJS) }`, {}, admin)).data!
      .baseImages;
    const tagAt = nodeImage.lastIndexOf(':');
    const jobInput = (name: string, packageId: string, clusterId: string, enterpriseProjectId: string) => ({
      name,
      enterpriseProjectId,
      packageId,
      buildType: 'SYSTEM_DEFAULT',
      baseImage: nodeImage.slice(0, tagAt),
      baseImageTag: nodeImage.slice(tagAt + 1),
      imageClass: 'PRIVATE',
      archiveImage: `${platform.registry.host}/shop/${name.toLowerCase()}:1`,
      clusterId,
      nodeLabels: [LOCAL_LABEL],
    });
    const aPackage = await uploadInto(projectA, 'alpha-web');
    const aCluster = await localCluster(projectA, 'alpha-local');
    const created = await platform.gql<{ createPackageJob: { job: { id: string } } }>(
      CREATE_JOB,
      { input: jobInput('secret-orders', aPackage, aCluster, projectA) },
      admin,
    );
    expect(created.errors).toBeUndefined();
    aJob = created.data!.createPackageJob.job.id;
    const started = await platform.gql(`mutation($j: ID!) { startBuild(jobId: $j) { id } }`, { j: aJob }, admin);
    expect(started.errors).toBeUndefined();
    // Two builds, so a page of one would have a next page and an end cursor.
    await platform.gql(`mutation($j: ID!) { startBuild(jobId: $j) { id } }`, { j: aJob }, admin);

    const bPackage = await uploadInto(projectB, 'bravo-web');
    const bCluster = await localCluster(projectB, 'bravo-local');
    bInput = (name) => jobInput(name, bPackage, bCluster, projectB);
    bUser = await platform.userWith(admin, 'bravo-dev', ['servicestage:*:*'], [projectB]);
  }, 120_000);
  afterAll(() => platform.close());

  describe('builds of a job the caller cannot see', () => {
    it('answer exactly as those of a missing job: an empty page with null cursors', async () => {
      const theirs = await platform.gql(BUILDS, { j: aJob }, bUser.token);
      const missing = await platform.gql(BUILDS, { j: MISSING }, bUser.token);
      expect(answerOf(theirs)).toEqual(answerOf(missing));
      expect(theirs).toEqual({ data: { builds: { edges: [], pageInfo: { hasNextPage: false, endCursor: null } } } });
      // The owner's page of one does have a next page and a cursor: the caller above saw none of it.
      const owners = await platform.gql<{ builds: { edges: { cursor: string }[]; pageInfo: { endCursor: string } } }>(
        BUILDS,
        { j: aJob },
        admin,
      );
      expect(owners.data!.builds.pageInfo).toEqual({ hasNextPage: true, endCursor: owners.data!.builds.edges[0].cursor });
    });

    it('answer the job itself, and its builds through it, exactly as a missing one', async () => {
      const query = `query($j: ID!) { packageJob(id: $j) { id builds(first: 1) { pageInfo { endCursor } } } }`;
      const theirs = answerOf(await platform.gql(query, { j: aJob }, bUser.token));
      expect(theirs).toEqual(answerOf(await platform.gql(query, { j: MISSING }, bUser.token)));
      expect(theirs.errors.map((error) => error.code)).toEqual(['NOT_FOUND']);
    });
  });

  describe('creating in an enterprise project the caller holds no right in', () => {
    it('answers exactly as creating in a missing project, for a project-limited user', async () => {
      const job = (e: string) =>
        platform.gql(CREATE_JOB, { input: { ...bInput('probe-job'), enterpriseProjectId: e } }, bUser.token);
      expect(answerOf(await job(projectA))).toEqual(answerOf(await job(MISSING)));
      expect(answerOf(await job(projectA)).errors.map((error) => error.code)).toEqual(['FORBIDDEN']);
      const upload = (e: string) => platform.gql(CREATE_UPLOAD, { e }, bUser.token);
      expect(answerOf(await upload(projectA))).toEqual(answerOf(await upload(MISSING)));
      expect(answerOf(await upload(projectA)).errors.map((error) => error.code)).toEqual(['FORBIDDEN']);
    });

    it('answers exactly as creating in a missing project, for a user allowed everywhere but denied there', async () => {
      const denied = await platform.userWith(admin, 'denied-alpha', ['servicestage:*:*'], null);
      const policy = await platform.gql<{ createPolicy: { id: string } }>(
        `mutation { createPolicy(name: "no-alpha", statements: [{ effect: DENY, actions: ["servicestage:package:create"] }]) { id } }`,
        {},
        admin,
      );
      await platform.gql(
        `mutation($p: ID!, $u: ID!, $e: [ID!]) { attachPolicy(policyId: $p, userId: $u, enterpriseProjectIds: $e) { id } }`,
        { p: policy.data!.createPolicy.id, u: denied.id, e: [projectA] },
        admin,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const upload = (e: string) => platform.gql(CREATE_UPLOAD, { e }, denied.token);
      const there = answerOf(await upload(projectA));
      expect(there.errors.map((error) => error.code)).toEqual(['FORBIDDEN']);
      expect(there).toEqual(answerOf(await upload(MISSING)));
      // Allowed where nothing denies it: the refusals above are about the project, not the user.
      expect((await upload(projectB)).errors).toBeUndefined();
    });
  });

  describe('job names', () => {
    it("are unique per project: a user of project B learns nothing of project A's job names", async () => {
      const likeTheirs = await platform.gql<{ createPackageJob: { job: { name: string } } }>(
        CREATE_JOB,
        { input: bInput('secret-orders') },
        bUser.token,
      );
      const unheardOf = await platform.gql<{ createPackageJob: { job: { name: string } } }>(
        CREATE_JOB,
        { input: bInput('never-used-anywhere') },
        bUser.token,
      );
      expect(likeTheirs.errors).toBeUndefined();
      expect(unheardOf.errors).toBeUndefined();
      expect(likeTheirs.data!.createPackageJob.job.name).toBe('secret-orders');
      // Within one project a name is still taken, and the CONFLICT names nothing of another project.
      const again = answerOf(await platform.gql(CREATE_JOB, { input: bInput('SECRET-orders') }, bUser.token));
      expect(again.errors).toEqual([
        {
          code: 'CONFLICT',
          field: 'name',
          message: 'a package job named SECRET-orders already exists in this enterprise project',
        },
      ]);
      expect(JSON.stringify(again)).not.toContain(projectA);
      expect(JSON.stringify(again)).not.toContain(aJob);
    });
  });

  describe('the schema', () => {
    const INTROSPECT = `{ __schema { queryType { name } } }`;
    const TYPE = `{ __type(name: "PackageJob") { name fields { name } } }`;

    it('answers introspection to a signed-in caller only', async () => {
      for (const query of [INTROSPECT, TYPE]) {
        const anonymous = await platform.gql(query);
        expect(anonymous.data ?? null).toBeNull();
        expect(answerOf(anonymous).errors).toEqual([
          { code: 'UNAUTHENTICATED', field: undefined, message: 'introspection needs a signed-in caller' },
        ]);
        const forged = await platform.gql(query, {}, 'not.a.token');
        expect(answerOf(forged).errors.map((error) => error.code)).toEqual(['UNAUTHENTICATED']);
      }
      expect((await platform.gql(INTROSPECT, {}, bUser.token)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      // __typename is no introspection of the schema.
      expect((await platform.gql(`{ __typename }`)).data).toEqual({ __typename: 'Query' });
    });

    it('suggests no field names, with or without a token', async () => {
      for (const token of [undefined, bUser.token]) {
        const typo = answerOf(await platform.gql(`{ packageJb(id: "x") { id } }`, {}, token));
        expect(typo.errors).toEqual([
          { code: 'GRAPHQL_VALIDATION_FAILED', field: undefined, message: 'Cannot query field "packageJb" on type "Query".' },
        ]);
      }
    });

    describe.each(['production', 'development'] as const)('a gateway in %s mode', (mode) => {
      let gateway: INestApplication;
      let url: string;
      beforeAll(async () => {
        gateway = await startGateway(
          loadConfig(GatewayConfig, {
            ...testNatsSettings('gateway', platform.subjectPrefix),
            HOST: '127.0.0.1',
            PORT: '0',
            NODE_ENV: mode,
            SERVICES: 'iam',
          }),
          false,
        );
        url = `${(await gateway.getUrl()).replace('[::1]', '127.0.0.1')}/graphql`;
      });
      afterAll(() => gateway.close());

      const post = async (query: string, token?: string) =>
        (await (
          await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: JSON.stringify({ query }),
          })
        ).json()) as GraphQLResponse;
      const page = (token?: string) =>
        fetch(url, { headers: { accept: 'text/html', ...(token ? { authorization: `Bearer ${token}` } : {}) } });

      it('serves GraphiQL in development to a signed-in caller only, never in production', async () => {
        const anonymous = await page();
        expect(anonymous.status).not.toBe(200);
        expect(await anonymous.text()).not.toMatch(GRAPHIQL_PAGE);
        const forged = await page('not.a.token');
        expect(await forged.text()).not.toMatch(GRAPHIQL_PAGE);
        const signedIn = await page(bUser.token);
        if (mode === 'development') {
          expect(signedIn.status).toBe(200);
          expect(await signedIn.text()).toMatch(GRAPHIQL_PAGE);
        } else {
          expect(signedIn.status).not.toBe(200);
          expect(await signedIn.text()).not.toMatch(GRAPHIQL_PAGE);
        }
      });

      it('answers introspection to a signed-in caller only, and in production to nobody', async () => {
        const anonymous = await post(INTROSPECT);
        expect(anonymous.data ?? null).toBeNull();
        expect(anonymous.errors?.length).toBe(1);
        const signedIn = await post(INTROSPECT, bUser.token);
        if (mode === 'development') expect(signedIn.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
        else {
          expect(signedIn.data ?? null).toBeNull();
          expect(signedIn.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
        }
      });

      it('suggests no field names', async () => {
        const typo = await post(`{ packageJb(id: "x") { id } }`, bUser.token);
        expect(typo.errors?.[0]?.message).toBe('Cannot query field "packageJb" on type "Query".');
      });
    });
  });

  describe('the budget of service calls', () => {
    let operator: NatsConnection;
    let jobGets = 0;
    beforeAll(async () => {
      operator = await connectTestNats('operator', 'oracles-counter');
      operator.subscribe(`${platform.subjectPrefix}jobs.get.v1`, { callback: (error) => void (error || (jobGets += 1)) });
      await operator.flush();
    });
    afterAll(() => operator.close());

    const aliased = (count: number) =>
      `query($id: ID!) { ${Array.from({ length: count }, (_, i) => `a${i}: packageJob(id: $id) { id }`).join(' ')} }`;
    const settle = async () => {
      await operator.flush();
      await new Promise((resolve) => setTimeout(resolve, 300));
    };

    it('refuses 1,400 aliased packageJob fields as QUERY_TOO_COMPLEX before any service call', async () => {
      await settle();
      jobGets = 0;
      const refused = await platform.gql(aliased(1400), { id: aJob }, bUser.token);
      await settle();
      expect(refused.data ?? null).toBeNull();
      expect(refused.errors).toEqual([
        {
          message: 'the operation may make 1400 service calls; at most 1000 are allowed',
          extensions: { code: 'QUERY_TOO_COMPLEX', serviceCalls: 1400, maxServiceCalls: 1000 },
        },
      ]);
      expect(jobGets).toBe(0);

      // The counter does count: a few aliases are a few calls.
      const few = await platform.gql(aliased(3), { id: aJob }, admin);
      await settle();
      expect(few.errors).toBeUndefined();
      expect(jobGets).toBe(3);
    });

    it('counts the elements of a page: five pages of 100 builds, each asking for its job and trigger, are refused', async () => {
      await settle();
      jobGets = 0;
      const page = (i: number) => `b${i}: builds(jobId: $j, first: 100) { edges { node { job { id } triggeredBy { name } } } }`;
      const refused = await platform.gql(`query($j: ID!) { ${[0, 1, 2, 3, 4].map(page).join(' ')} }`, { j: aJob }, admin);
      await settle();
      // Five list calls and, per build, two lookups; within the cost limit, over the service-call budget.
      expect(refused.errors).toEqual([
        {
          message: 'the operation may make 1005 service calls; at most 1000 are allowed',
          extensions: { code: 'QUERY_TOO_COMPLEX', serviceCalls: 1005, maxServiceCalls: 1000 },
        },
      ]);
      expect(jobGets).toBe(0);
      const four = await platform.gql(`query($j: ID!) { ${[0, 1, 2, 3].map(page).join(' ')} }`, { j: aJob }, admin);
      expect(four.errors).toBeUndefined();
    });

    it('lets a console page through: 100 jobs with their package, cluster, project, creator and last build', async () => {
      const page = await platform.gql<{ packageJobs: { edges: unknown[]; totalCount: number } }>(
        `{ packageJobs(first: 100) { totalCount edges { cursor node { id name package { name } cluster { name }
            enterpriseProject { name } createdBy { name } lastBuild { status triggeredBy { name } } } }
            pageInfo { hasNextPage endCursor } } }`,
        {},
        admin,
      );
      expect(page.errors).toBeUndefined();
      expect(page.data!.packageJobs.totalCount).toBe(page.data!.packageJobs.edges.length);
      const builds = await platform.gql(
        `query($j: ID!) { builds(jobId: $j, first: 20) { edges { node { id status job { name } triggeredBy { name } } } } }`,
        { j: aJob },
        admin,
      );
      expect(builds.errors).toBeUndefined();
    });
  });
});
