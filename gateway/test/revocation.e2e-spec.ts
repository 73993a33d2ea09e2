import { type AuditedAction, ErrorCode, JobsSubjects, type ServiceError } from '@stagecraft/contracts';
import type { NatsRpcClient } from '@stagecraft/messaging';
import { buildExecutableJar, connectTestClient } from '@stagecraft/testing';

import { baseImageFields, type GraphQLResponse, packageJobInput, type Platform, startPlatform } from './platform-harness';

/**
 * Issue 10, item 6: a leaked token can be revoked (revokeTokens, a disabled or deleted key, a
 * deleted user) and every service refuses it within 5 s; logins are short with a refresh flow;
 * administrators read who did what.
 */

const SESSION = `mutation($a: String!, $s: String!) { createSession(accessKey: $a, secretKey: $s) { accessToken refreshToken expiresAt refreshExpiresAt } }`;
const REFRESH = `mutation($r: String!) { refreshAccessToken(refreshToken: $r) { accessToken refreshToken expiresAt } }`;
const LOGIN = `mutation($a: String!, $s: String!) { createAccessToken(accessKey: $a, secretKey: $s) }`;

interface Session {
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
}

function codeOf(response: GraphQLResponse): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}

describe('revoking tokens, keys and users, sessions, and the audit trail (through GraphQL and over NATS)', () => {
  let platform: Platform;
  let admin: string;
  let projectId: string;
  let gatewayNats: NatsRpcClient;

  async function must<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
    const response = await platform.gql<T>(query, variables, token);
    if (response.errors?.length || !response.data) throw new Error(`GraphQL failed: ${JSON.stringify(response.errors)}`);
    return response.data;
  }

  /** A user with servicestage:*:* in the project, one access key and a session. */
  async function member(name: string) {
    const { createUser } = await must<{ createUser: { id: string } }>(
      `mutation($n: String!) { createUser(name: $n) { id } }`,
      { n: name },
      admin,
    );
    const { createPolicy } = await must<{ createPolicy: { id: string } }>(
      `mutation($n: String!) { createPolicy(name: $n, statements: [{ effect: ALLOW, actions: ["servicestage:*:*"] }]) { id } }`,
      { n: `${name}-policy` },
      admin,
    );
    await must(
      `mutation($p: ID!, $u: ID!, $e: [ID!]) { attachPolicy(policyId: $p, userId: $u, enterpriseProjectIds: $e) { id } }`,
      { p: createPolicy.id, u: createUser.id, e: [projectId] },
      admin,
    );
    const { createAccessKey: key } = await must<{ createAccessKey: { accessKey: string; secretKey: string } }>(
      `mutation($u: ID!) { createAccessKey(userId: $u) }`,
      { u: createUser.id },
      admin,
    );
    const { createSession } = await must<{ createSession: Session }>(SESSION, { a: key.accessKey, s: key.secretKey });
    return { id: createUser.id, key, session: createSession, token: createSession.accessToken };
  }

  /** The gateway's answer, and the jobs service's own answer over NATS, to the same token. */
  async function answers(token: string): Promise<{ gateway: string; jobs: string }> {
    const gateway = await platform.gql(`{ packageJobs { edges { cursor } } }`, {}, token);
    const jobs = await gatewayNats.send(JobsSubjects.listJobs, { enterpriseProjectId: projectId }, { token }).then(
      () => 'ok',
      (error: ServiceError) => error.code,
    );
    return { gateway: codeOf(gateway) ?? 'ok', jobs };
  }

  /** Asks both until both refuse; returns how long that took (fails after 5 s). */
  async function refusedEverywhereWithin5s(token: string): Promise<number> {
    const started = Date.now();
    let seen = await answers(token);
    while (!(seen.gateway === ErrorCode.UNAUTHENTICATED && seen.jobs === ErrorCode.UNAUTHENTICATED)) {
      if (Date.now() - started > 5_000) throw new Error(`still accepted after 5 s: ${JSON.stringify(seen)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = await answers(token);
    }
    return Date.now() - started;
  }

  beforeAll(async () => {
    platform = await startPlatform({}, {}, { BUILD_CONCURRENCY_PER_CLUSTER: '1' });
    admin = await platform.adminToken();
    projectId = await platform.createProject(admin, 'revocation');
    gatewayNats = await connectTestClient(platform.subjectPrefix, 5_000, 'gateway');
  }, 120_000);
  afterAll(async () => {
    await gatewayNats?.connection.close();
    await platform?.close();
  });

  it('revokeTokens: the same token is refused by the gateway and by the jobs service over NATS within 5 s', async () => {
    const leaked = await member('leaked');
    expect(await answers(leaked.token)).toEqual({ gateway: 'ok', jobs: 'ok' });

    const { revokeTokens } = await must<{ revokeTokens: string }>(
      `mutation($u: ID!) { revokeTokens(userId: $u) }`,
      { u: leaked.id },
      admin,
    );
    expect(Number.isNaN(Date.parse(revokeTokens))).toBe(false);
    expect(await refusedEverywhereWithin5s(leaked.token)).toBeLessThan(5_000);
    expect(codeOf(await platform.gql(REFRESH, { r: leaked.session.refreshToken }))).toBe('UNAUTHENTICATED');

    // The user signs in again: the new token works everywhere.
    const { createSession } = await must<{ createSession: Session }>(SESSION, {
      a: leaked.key.accessKey,
      s: leaked.key.secretKey,
    });
    expect(await answers(createSession.accessToken)).toEqual({ gateway: 'ok', jobs: 'ok' });
  });

  it('disableAccessKey: the key cannot log in, and its tokens and refresh tokens are refused; enableAccessKey restores logins', async () => {
    const holder = await member('key-holder');
    expect(await answers(holder.token)).toEqual({ gateway: 'ok', jobs: 'ok' });
    expect(await must(`mutation($k: String!) { disableAccessKey(accessKey: $k) }`, { k: holder.key.accessKey }, admin)).toEqual({
      disableAccessKey: false,
    });
    await refusedEverywhereWithin5s(holder.token);
    expect(codeOf(await platform.gql(LOGIN, { a: holder.key.accessKey, s: holder.key.secretKey }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await platform.gql(SESSION, { a: holder.key.accessKey, s: holder.key.secretKey }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await platform.gql(REFRESH, { r: holder.session.refreshToken }))).toBe('UNAUTHENTICATED');

    await must(`mutation($k: String!) { enableAccessKey(accessKey: $k) }`, { k: holder.key.accessKey }, admin);
    const { createAccessToken } = await must<{ createAccessToken: string }>(LOGIN, {
      a: holder.key.accessKey,
      s: holder.key.secretKey,
    });
    expect(await answers(createAccessToken)).toEqual({ gateway: 'ok', jobs: 'ok' });

    expect(await must(`mutation($k: String!) { deleteAccessKey(accessKey: $k) }`, { k: holder.key.accessKey }, admin)).toEqual({
      deleteAccessKey: holder.key.accessKey,
    });
    await refusedEverywhereWithin5s(createAccessToken);
    expect(codeOf(await platform.gql(LOGIN, { a: holder.key.accessKey, s: holder.key.secretKey }))).toBe('UNAUTHENTICATED');
  });

  it("deleteUser: the deleted user's token is refused everywhere", async () => {
    const leaving = await member('leaving');
    expect(await answers(leaving.token)).toEqual({ gateway: 'ok', jobs: 'ok' });
    expect(await must(`mutation($u: ID!) { deleteUser(id: $u) }`, { u: leaving.id }, admin)).toEqual({ deleteUser: leaving.id });
    await refusedEverywhereWithin5s(leaving.token);
    expect(codeOf(await platform.gql(`{ me { id } }`, {}, leaving.token))).toBe('UNAUTHENTICATED');
    expect(codeOf(await platform.gql(`mutation($u: ID!) { deleteUser(id: $u) }`, { u: leaving.id }, admin))).toBe('NOT_FOUND');
  });

  it('refreshAccessToken rotates: a new access token that works, and the old refresh token is refused', async () => {
    const user = await member('refreshing');
    expect(Date.parse(user.session.expiresAt) - Date.now()).toBeLessThanOrEqual(900_000);
    const { refreshAccessToken } = await must<{ refreshAccessToken: Session }>(REFRESH, { r: user.session.refreshToken });
    expect(refreshAccessToken.refreshToken).not.toBe(user.session.refreshToken);
    expect(await answers(refreshAccessToken.accessToken)).toEqual({ gateway: 'ok', jobs: 'ok' });
    expect(codeOf(await platform.gql(REFRESH, { r: user.session.refreshToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await platform.gql(REFRESH, { r: 'scrt_not-a-token' }))).toBe('UNAUTHENTICATED');
  });

  it('only administrators revoke, delete and read the audit trail: FORBIDDEN for anyone else', async () => {
    const victim = await member('victim');
    const other = await member('other');
    const attempts = [
      [`mutation($u: ID!) { deleteUser(id: $u) }`, { u: victim.id }],
      [`mutation($u: ID!) { revokeTokens(userId: $u) }`, { u: victim.id }],
      [`mutation($k: String!) { disableAccessKey(accessKey: $k) }`, { k: victim.key.accessKey }],
      [`mutation($k: String!) { enableAccessKey(accessKey: $k) }`, { k: victim.key.accessKey }],
      [`mutation($k: String!) { deleteAccessKey(accessKey: $k) }`, { k: victim.key.accessKey }],
      [`{ auditRecords { edges { node { id } } } }`, {}],
    ] as const;
    for (const [query, variables] of attempts) {
      expect({ query, code: codeOf(await platform.gql(query, variables, other.token)) }).toEqual({ query, code: 'FORBIDDEN' });
    }
    expect(await answers(victim.token)).toEqual({ gateway: 'ok', jobs: 'ok' });
  });

  it('records job create, update and delete and build start and cancel with actor, action, resource and time', async () => {
    const builder = await member('auditor-subject');
    const since = Date.now();
    const upload = await must<{ createPackageUpload: { uploadUrl: string; package: { id: string } } }>(
      `mutation($e: ID!) { createPackageUpload(name: "audited", version: "1.0.0", source: SWR, enterpriseProjectId: $e) { uploadUrl package { id } } }`,
      { e: projectId },
      builder.token,
    );
    await fetch(upload.createPackageUpload.uploadUrl, { method: 'PUT', body: buildExecutableJar('com.shop.Audit', 16 * 1024) });
    const packageId = upload.createPackageUpload.package.id;
    await must(`mutation($id: ID!) { completePackageUpload(id: $id) { status } }`, { id: packageId }, builder.token);
    const { registerCluster } = await must<{ registerCluster: { id: string } }>(
      `mutation($e: ID!) { registerCluster(name: "audited-local", type: LOCAL, enterpriseProjectId: $e) { id } }`,
      { e: projectId },
      admin,
    );
    const images = (await must<{ baseImages: string[] }>(`{ baseImages(techStack: JAVA) }`, {}, admin)).baseImages;
    const base = images.find((image) => image.startsWith(platform.registry.host))!;
    const jobInput = packageJobInput({
      name: 'audited-job',
      enterpriseProjectId: projectId,
      packageId,
      ...baseImageFields(base),
      archiveImage: `${platform.registry.host}/audit/app:1.0.0`,
      clusterId: registerCluster.id,
    });
    const { createPackageJob } = await must<{ createPackageJob: { job: { id: string } } }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input, build: false) { job { id } } }`,
      { input: jobInput },
      builder.token,
    );
    const jobId = createPackageJob.job.id;
    await must(
      `mutation($id: ID!) { updatePackageJob(id: $id, patch: { description: "audited" }) { id } }`,
      { id: jobId },
      builder.token,
    );
    const start = `mutation($j: ID!) { startBuild(jobId: $j) { id } }`;
    const first = (await must<{ startBuild: { id: string } }>(start, { j: jobId }, builder.token)).startBuild.id;
    const second = (await must<{ startBuild: { id: string } }>(start, { j: jobId }, builder.token)).startBuild.id;
    // One build at a time on the cluster: the second is still queued and can be cancelled.
    await must(`mutation($id: ID!) { cancelBuild(id: $id) { status } }`, { id: second }, builder.token);
    for (;;) {
      const { build } = await must<{ build: { finishedAt: string | null } }>(
        `query($id: ID!) { build(id: $id) { finishedAt } }`,
        { id: first },
        admin,
      );
      if (build.finishedAt) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await must(`mutation($id: ID!) { deletePackageJob(id: $id) }`, { id: jobId }, builder.token);

    const expected = [
      { action: 'servicestage:assembling:create', resourceType: 'package-job', resourceId: jobId, service: 'jobs' },
      { action: 'servicestage:assembling:modify', resourceType: 'package-job', resourceId: jobId, service: 'jobs' },
      { action: 'servicestage:builds:start', resourceType: 'build', resourceId: first, service: 'builds' },
      { action: 'servicestage:builds:start', resourceType: 'build', resourceId: second, service: 'builds' },
      { action: 'servicestage:builds:cancel', resourceType: 'build', resourceId: second, service: 'builds' },
      { action: 'servicestage:assembling:delete', resourceType: 'package-job', resourceId: jobId, service: 'jobs' },
    ];
    // Events arrive over core NATS: give them a moment.
    const deadline = Date.now() + 5_000;
    let records: AuditedAction[] = [];
    while (Date.now() < deadline) {
      const { auditRecords } = await must<{ auditRecords: { edges: { node: AuditedAction }[] } }>(
        `query($a: ID!) { auditRecords(first: 50, actorId: $a) { edges { node { actorId action resourceType resourceId enterpriseProjectId service occurredAt } } } }`,
        { a: builder.id },
        admin,
      );
      records = auditRecords.edges.map((edge) => edge.node).reverse();
      if (records.length >= expected.length) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(
      records.map(({ action, resourceType, resourceId, service }) => ({ action, resourceType, resourceId, service })),
    ).toEqual(expected);
    for (const record of records) {
      expect(record.actorId).toBe(builder.id);
      expect(Date.parse(record.occurredAt)).toBeGreaterThanOrEqual(since - 1_000);
      expect(Date.parse(record.occurredAt)).toBeLessThanOrEqual(Date.now());
    }
    expect(
      records
        .filter((record) => record.resourceType !== 'package-job' || record.action !== 'servicestage:assembling:delete')
        .every((r) => r.enterpriseProjectId === projectId),
    ).toBe(true);

    // A deleted user's jobs still name their creator.
    const { createPackageJob: kept } = await must<{ createPackageJob: { job: { id: string } } }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input, build: false) { job { id } } }`,
      { input: { ...jobInput, name: 'kept-job' } },
      builder.token,
    );
    await must(`mutation($u: ID!) { deleteUser(id: $u) }`, { u: builder.id }, admin);
    expect(await must(`query($id: ID!) { packageJob(id: $id) { createdBy { id name } } }`, { id: kept.job.id }, admin)).toEqual({
      packageJob: { createdBy: { id: builder.id, name: 'auditor-subject' } },
    });

    // The admin's own IAM changes are there too, and the action filter narrows.
    const { auditRecords } = await must<{ auditRecords: { edges: { node: AuditedAction }[] } }>(
      `query($a: ID!) { auditRecords(actorId: $a, action: "iam:accessKeys:create") { edges { node { action resourceId } } } }`,
      { a: platform.admin.userId },
      admin,
    );
    expect(auditRecords.edges.map((edge) => edge.node.resourceId)).toContain(builder.key.accessKey);
    expect(auditRecords.edges.every((edge) => edge.node.action === 'iam:accessKeys:create')).toBe(true);
  });

  it('keeps createAccessToken a String for existing clients', async () => {
    const token = (await must<{ createAccessToken: string }>(LOGIN, { a: platform.admin.accessKey, s: platform.admin.secretKey }))
      .createAccessToken;
    expect(typeof token).toBe('string');
    expect(token.split('.')).toHaveLength(3);
  });
});
