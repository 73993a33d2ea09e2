import type { CallerResolver } from '@stagecraft/authz';
import { type AuditEvent, ErrorCode, IamSubjects, type ServiceError } from '@stagecraft/contracts';
import type { NatsRpcClient } from '@stagecraft/messaging';
import { connectTestClient } from '@stagecraft/testing';
import { decodeJwt } from 'jose';
import { Client } from 'pg';

import { type IamHarness, listeningCallerResolver, startIamHarness } from './iam-test-harness';

/** Issue 10, item 6: deleting users and keys, revoking tokens, refresh tokens, and the audit trail. */
describe('revocation, sessions and audit records in iam (real Postgres and NATS)', () => {
  let iam: IamHarness;
  let adminToken: string;
  /** Another service's view of callers: rules over NATS, cached, cleared by authz-changed events. */
  let resolver: CallerResolver;
  let stopListening: () => void;
  let jobs: NatsRpcClient;

  beforeAll(async () => {
    iam = await startIamHarness();
    adminToken = await iam.adminToken();
    ({ resolver, stopListening } = listeningCallerResolver(iam.client));
    jobs = await connectTestClient(iam.subjectPrefix, 3_000, 'jobs');
  });
  afterAll(async () => {
    stopListening();
    await jobs.connection.close();
    await iam.close();
  });

  const asAdmin = () => ({ token: adminToken });
  const outcome = (promise: Promise<unknown>) =>
    promise.then(
      () => 'accepted',
      (error: ServiceError) => ({ code: error.code, message: error.message }),
    );
  const UNAUTHENTICATED = { code: ErrorCode.UNAUTHENTICATED };

  async function newUser(name: string) {
    const user = await iam.client.send(IamSubjects.createUser, { name }, asAdmin());
    const key = await iam.client.send(IamSubjects.createAccessKey, { userId: user.id }, asAdmin());
    const session = await iam.client.send(IamSubjects.createSession, key);
    return { user, key, session, token: session.accessToken };
  }

  /** Resolves through the other service's view until it refuses, or 5 s pass. */
  async function refusedWithin5s(token: string): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < 5_000) {
      const result = await outcome(resolver.resolve({ token }));
      if (result !== 'accepted') {
        expect(result).toEqual({ code: ErrorCode.UNAUTHENTICATED, message: 'the token has been revoked' });
        return Date.now() - started;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the token was still accepted after 5 s');
  }

  it('issues short access tokens naming their key and version, and a refresh token stored only as a hash', async () => {
    const { key, session, user } = await newUser('short-lived');
    const claims = decodeJwt(session.accessToken);
    expect(claims).toMatchObject({ sub: user.id, akid: key.accessKey, ver: 0 });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(new Date(session.expiresAt).getTime()).toBeCloseTo(claims.exp! * 1000, -4);
    expect(session.refreshToken).toMatch(/^scrt_[\w-]{43}$/);
    const db = new Client({ connectionString: iam.database.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ token_hash: string }>('SELECT token_hash FROM iam.refresh_tokens WHERE user_id = $1', [
        user.id,
      ]);
      expect(rows).toHaveLength(1);
      expect(rows[0].token_hash).not.toContain(session.refreshToken.slice(5));
    } finally {
      await db.end();
    }
  });

  it('rotates refresh tokens: each works once, and gives a working access token', async () => {
    const { session, user } = await newUser('refresher');
    const next = await iam.client.send(IamSubjects.refreshSession, { refreshToken: session.refreshToken });
    expect(next.refreshToken).not.toBe(session.refreshToken);
    expect(next.refreshExpiresAt).toBe(session.refreshExpiresAt);
    expect(await iam.client.send(IamSubjects.me, {}, { token: next.accessToken })).toMatchObject({ id: user.id });
    // The used one is gone, also when a second refresh races the first.
    expect(await outcome(iam.client.send(IamSubjects.refreshSession, { refreshToken: session.refreshToken }))).toEqual({
      code: ErrorCode.UNAUTHENTICATED,
      message: 'the refresh token is not valid (expired, revoked or already used)',
    });
    const raced = await Promise.all(
      [1, 2, 3].map(() => outcome(iam.client.send(IamSubjects.refreshSession, { refreshToken: next.refreshToken }))),
    );
    expect(raced.filter((result) => result === 'accepted')).toHaveLength(1);
  });

  it('revokeTokens: the same token is refused by iam and by another service within 5 s; refresh tokens too; new logins work', async () => {
    const { key, session, user, token } = await newUser('leaked');
    expect(await iam.client.send(IamSubjects.me, {}, { token })).toMatchObject({ id: user.id });
    expect((await resolver.resolve({ token })).userId).toBe(user.id);

    const revoked = await iam.client.send(IamSubjects.revokeTokens, { userId: user.id }, asAdmin());
    expect(revoked.userId).toBe(user.id);
    expect(await refusedWithin5s(token)).toBeLessThan(5_000);
    expect(await outcome(iam.client.send(IamSubjects.me, {}, { token }))).toMatchObject(UNAUTHENTICATED);
    expect(await outcome(iam.client.send(IamSubjects.refreshSession, { refreshToken: session.refreshToken }))).toMatchObject(
      UNAUTHENTICATED,
    );

    const again = await iam.client.send(IamSubjects.createSession, key);
    expect(decodeJwt(again.accessToken).ver).toBe(1);
    expect((await resolver.resolve({ token: again.accessToken })).userId).toBe(user.id);
    expect(await iam.client.send(IamSubjects.me, {}, { token: again.accessToken })).toMatchObject({ id: user.id });
  });

  it("disableAccessKey: the key cannot log in or refresh and its tokens are refused; the user's other key keeps working", async () => {
    const { key, session, user, token } = await newUser('disabled-key');
    const other = await iam.client.send(IamSubjects.createAccessKey, { userId: user.id }, asAdmin());
    const otherToken = (await iam.client.send(IamSubjects.createAccessToken, other)).token;
    await resolver.resolve({ token });

    expect(await iam.client.send(IamSubjects.disableAccessKey, { accessKey: key.accessKey }, asAdmin())).toEqual({
      accessKey: key.accessKey,
      enabled: false,
    });
    await refusedWithin5s(token);
    expect(await outcome(iam.client.send(IamSubjects.me, {}, { token }))).toMatchObject(UNAUTHENTICATED);
    const badLogin = { code: ErrorCode.UNAUTHENTICATED, message: 'invalid access key or secret key' };
    expect(await outcome(iam.client.send(IamSubjects.createAccessToken, key))).toEqual(badLogin);
    expect(await outcome(iam.client.send(IamSubjects.createSession, key))).toEqual(badLogin);
    expect(await outcome(iam.client.send(IamSubjects.refreshSession, { refreshToken: session.refreshToken }))).toMatchObject(
      UNAUTHENTICATED,
    );
    expect(await iam.client.send(IamSubjects.me, {}, { token: otherToken })).toMatchObject({ id: user.id });

    await iam.client.send(IamSubjects.enableAccessKey, { accessKey: key.accessKey }, asAdmin());
    const back = (await iam.client.send(IamSubjects.createAccessToken, key)).token;
    expect(await iam.client.send(IamSubjects.me, {}, { token: back })).toMatchObject({ id: user.id });
  });

  it('deleteAccessKey and deleteUser: their tokens are refused at once', async () => {
    const keyGone = await newUser('key-deleted');
    await resolver.resolve({ token: keyGone.token });
    expect(await iam.client.send(IamSubjects.deleteAccessKey, { accessKey: keyGone.key.accessKey }, asAdmin())).toEqual({
      accessKey: keyGone.key.accessKey,
    });
    await refusedWithin5s(keyGone.token);
    expect(await outcome(iam.client.send(IamSubjects.createAccessToken, keyGone.key))).toMatchObject(UNAUTHENTICATED);

    const userGone = await newUser('user-deleted');
    await resolver.resolve({ token: userGone.token });
    expect(await iam.client.send(IamSubjects.deleteUser, { id: userGone.user.id }, asAdmin())).toEqual({ id: userGone.user.id });
    const started = Date.now();
    let result: unknown = 'accepted';
    while (result === 'accepted' && Date.now() - started < 5_000)
      result = await outcome(resolver.resolve({ token: userGone.token }));
    expect(result).toEqual({ code: ErrorCode.UNAUTHENTICATED, message: 'the token names a user that no longer exists' });
    expect(await outcome(iam.client.send(IamSubjects.me, {}, { token: userGone.token }))).toMatchObject(UNAUTHENTICATED);
    expect(await outcome(iam.client.send(IamSubjects.createSession, userGone.key))).toMatchObject(UNAUTHENTICATED);
    // Kept as a name (jobs and builds still show who made them), no longer an administrator, its name free again.
    expect(await iam.client.send(IamSubjects.getUsers, { ids: [userGone.user.id] }, asAdmin())).toEqual([
      expect.objectContaining({ id: userGone.user.id, name: 'user-deleted', isAdmin: false }),
    ]);
    expect(await outcome(iam.client.send(IamSubjects.createAccessKey, { userId: userGone.user.id }, asAdmin()))).toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
    const again = await iam.client.send(IamSubjects.createUser, { name: 'user-deleted' }, asAdmin());
    expect(again.id).not.toBe(userGone.user.id);
  });

  it('answers NOT_FOUND for a missing user or key, and refuses an administrator deleting themself', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(await outcome(iam.client.send(IamSubjects.deleteUser, { id: missing }, asAdmin()))).toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
    expect(await outcome(iam.client.send(IamSubjects.revokeTokens, { userId: missing }, asAdmin()))).toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
    expect(await outcome(iam.client.send(IamSubjects.disableAccessKey, { accessKey: 'SCAKNOPE' }, asAdmin()))).toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
    expect(await outcome(iam.client.send(IamSubjects.deleteUser, { id: iam.admin.userId }, asAdmin()))).toMatchObject({
      code: ErrorCode.CONFLICT,
    });
  });

  it('keeps every revocation and the audit trail for administrators: FORBIDDEN otherwise, nothing changed', async () => {
    const victim = await newUser('victim');
    const intruder = await newUser('intruder');
    const as = { token: intruder.token };
    const attempts = [
      iam.client.send(IamSubjects.deleteUser, { id: victim.user.id }, as),
      iam.client.send(IamSubjects.disableAccessKey, { accessKey: victim.key.accessKey }, as),
      iam.client.send(IamSubjects.enableAccessKey, { accessKey: victim.key.accessKey }, as),
      iam.client.send(IamSubjects.deleteAccessKey, { accessKey: victim.key.accessKey }, as),
      iam.client.send(IamSubjects.revokeTokens, { userId: victim.user.id }, as),
      iam.client.send(IamSubjects.listAuditRecords, {}, as),
    ];
    for (const attempt of attempts) expect(await outcome(attempt)).toMatchObject({ code: ErrorCode.FORBIDDEN });
    expect(await iam.client.send(IamSubjects.me, {}, { token: victim.token })).toMatchObject({ id: victim.user.id });
    const mine = await iam.client.send(IamSubjects.listAuditRecords, { actorId: intruder.user.id }, asAdmin());
    expect(mine.edges).toEqual([]);
  });

  it('records who did what to which resource and when, for every IAM change', async () => {
    const since = Date.now();
    const project = await iam.client.send(IamSubjects.createEnterpriseProject, { name: 'audited' }, asAdmin());
    const user = await iam.client.send(IamSubjects.createUser, { name: 'audited-user' }, asAdmin());
    const key = await iam.client.send(IamSubjects.createAccessKey, { userId: user.id }, asAdmin());
    const policy = await iam.client.send(
      IamSubjects.createPolicy,
      { name: 'audited-policy', statements: [{ effect: 'ALLOW', actions: ['servicestage:*:get'] }] },
      asAdmin(),
    );
    await iam.client.send(
      IamSubjects.updatePolicy,
      { id: policy.id, statements: [{ effect: 'ALLOW', actions: ['servicestage:*:list'] }] },
      asAdmin(),
    );
    const attachment = await iam.client.send(IamSubjects.attachPolicy, { policyId: policy.id, userId: user.id }, asAdmin());
    await iam.client.send(IamSubjects.detachPolicy, { id: attachment.id }, asAdmin());
    await iam.client.send(IamSubjects.deletePolicy, { id: policy.id }, asAdmin());
    await iam.client.send(IamSubjects.disableAccessKey, { accessKey: key.accessKey }, asAdmin());
    await iam.client.send(IamSubjects.enableAccessKey, { accessKey: key.accessKey }, asAdmin());
    await iam.client.send(IamSubjects.revokeTokens, { userId: user.id }, asAdmin());
    await iam.client.send(IamSubjects.deleteAccessKey, { accessKey: key.accessKey }, asAdmin());
    await iam.client.send(IamSubjects.deleteUser, { id: user.id }, asAdmin());

    const page = await iam.client.send(IamSubjects.listAuditRecords, { first: 100, actorId: iam.admin.userId }, asAdmin());
    const recent = page.edges.map((edge) => edge.node).filter((record) => new Date(record.occurredAt).getTime() >= since - 5);
    const projectResource = { resourceType: 'enterprise-project', resourceId: project.id };
    const userResource = { resourceType: 'user', resourceId: user.id };
    const keyResource = { resourceType: 'access-key', resourceId: key.accessKey };
    const policyResource = { resourceType: 'policy', resourceId: policy.id };
    const attachmentResource = { resourceType: 'policy-attachment', resourceId: attachment.id };
    const changes: [string, { resourceType: string; resourceId: string }][] = [
      ['iam:projects:create', projectResource],
      ['iam:users:create', userResource],
      ['iam:accessKeys:create', keyResource],
      ['iam:policies:create', policyResource],
      ['iam:policies:modify', policyResource],
      ['iam:attachments:create', attachmentResource],
      ['iam:attachments:delete', attachmentResource],
      ['iam:policies:delete', policyResource],
      ['iam:accessKeys:disable', keyResource],
      ['iam:accessKeys:enable', keyResource],
      ['iam:tokens:revoke', userResource],
      ['iam:accessKeys:delete', keyResource],
      ['iam:users:delete', userResource],
    ];
    expect(recent.map(({ action, resourceType, resourceId }) => ({ action, resourceType, resourceId })).reverse()).toEqual(
      changes.map(([action, resource]) => ({ action, ...resource })),
    );
    for (const record of recent) {
      expect(record).toMatchObject({ actorId: iam.admin.userId, service: 'iam' });
      expect(Math.abs(new Date(record.occurredAt).getTime() - Date.now())).toBeLessThan(60_000);
    }
    // Filtered by action, and paged with cursors.
    const deletes = await iam.client.send(IamSubjects.listAuditRecords, { action: 'iam:users:delete' }, asAdmin());
    expect(deletes.edges.map((edge) => edge.node.resourceId)).toContain(user.id);
    expect(deletes.edges.every((edge) => edge.node.action === 'iam:users:delete')).toBe(true);
    const first = await iam.client.send(IamSubjects.listAuditRecords, { first: 2 }, asAdmin());
    const second = await iam.client.send(IamSubjects.listAuditRecords, { first: 2, after: first.endCursor }, asAdmin());
    expect(first.hasNextPage).toBe(true);
    expect(second.edges.map((edge) => edge.node.id)).not.toContain(first.edges[0].node.id);
    // Newest first: the second page holds the third and fourth newest.
    expect(recent.map((record) => record.id).slice(2, 4)).toEqual(second.edges.map((edge) => edge.node.id));
  });

  it('stores the audit events other services publish, and drops malformed ones', async () => {
    const accountId = (await iam.client.send(IamSubjects.me, {}, asAdmin())).accountId;
    const event: AuditEvent = {
      accountId,
      actorId: iam.admin.userId,
      action: 'servicestage:assembling:create',
      resourceType: 'package-job',
      resourceId: '11111111-1111-4111-8111-111111111111',
      enterpriseProjectId: null,
      service: 'jobs',
      occurredAt: new Date().toISOString(),
    };
    jobs.publish(IamSubjects.auditRecorded, event);
    jobs.publish(IamSubjects.auditRecorded, { ...event, resourceId: 'malformed', actorId: 'not-a-uuid' });
    const deadline = Date.now() + 5_000;
    let found: unknown[] = [];
    while (found.length === 0 && Date.now() < deadline) {
      const page = await iam.client.send(IamSubjects.listAuditRecords, { action: event.action }, asAdmin());
      found = page.edges.map((edge) => edge.node).filter((record) => record.resourceId === event.resourceId);
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(found).toEqual([
      expect.objectContaining({
        actorId: event.actorId,
        resourceType: 'package-job',
        service: 'jobs',
        occurredAt: event.occurredAt,
      }),
    ]);
    const malformed = await iam.client.send(IamSubjects.listAuditRecords, { first: 100 }, asAdmin());
    expect(malformed.edges.filter((edge) => edge.node.resourceId === 'malformed')).toEqual([]);
  });
});
