import { Actions } from '@stagecraft/authz';
import { ErrorCode, IamErrorReason, IamSubjects, type ServiceError } from '@stagecraft/contracts';
import { Client } from 'pg';

import { type IamHarness, listeningCallerResolver, startIamHarness } from './iam-test-harness';

describe('iam over NATS (real Postgres and NATS)', () => {
  let iam: IamHarness;
  let adminToken: string;

  beforeAll(async () => {
    iam = await startIamHarness();
    adminToken = await iam.adminToken();
  });
  afterAll(() => iam.close());

  const asAdmin = () => ({ token: adminToken });
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'resolved',
      (error: ServiceError) => ({ code: error.code, field: error.field }),
    );

  it('bootstraps one account with an admin and a default project', async () => {
    const me = await iam.client.send(IamSubjects.me, {}, asAdmin());
    expect(me).toMatchObject({ id: iam.admin.userId, name: 'admin', isAdmin: true });
    const projects = await iam.client.send(IamSubjects.listEnterpriseProjects, {}, asAdmin());
    expect(projects.map((p) => p.name)).toEqual(['default']);
  });

  it('refuses requests without a valid token, and wrong secrets alike', async () => {
    expect(await codeOf(iam.client.send(IamSubjects.me, {}))).toEqual({ code: ErrorCode.UNAUTHENTICATED });
    expect(await codeOf(iam.client.send(IamSubjects.me, {}, { token: adminToken.slice(0, -4) + 'AAAA' }))).toEqual({
      code: ErrorCode.UNAUTHENTICATED,
    });
    const refused = {
      code: ErrorCode.UNAUTHENTICATED,
      reason: IamErrorReason.INVALID_CREDENTIALS,
      message: 'invalid access key or secret key',
    };
    await expect(
      iam.client.send(IamSubjects.createAccessToken, { accessKey: iam.admin.accessKey, secretKey: 'nope' }),
    ).rejects.toMatchObject(refused);
    await expect(
      iam.client.send(IamSubjects.createAccessToken, { accessKey: 'SCAKNOPE', secretKey: iam.admin.secretKey }),
    ).rejects.toMatchObject(refused);
  });

  it('stores access key secrets only as hashes', async () => {
    const db = new Client({ connectionString: iam.database.url });
    await db.connect();
    const { rows } = await db.query('SELECT secret_hash FROM iam.access_keys');
    await db.end();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.secret_hash).toMatch(/^scrypt\$/);
      expect(row.secret_hash).not.toContain(iam.admin.secretKey);
    }
  });

  it('validates payloads on arrival and names the field', async () => {
    expect(await codeOf(iam.client.send(IamSubjects.createUser, { name: 42 } as never, asAdmin()))).toEqual({
      code: ErrorCode.BAD_USER_INPUT,
      field: 'name',
    });
    expect(await codeOf(iam.client.send(IamSubjects.createUser, { name: 'ok', extra: 1 } as never, asAdmin()))).toEqual({
      code: ErrorCode.BAD_USER_INPUT,
      field: 'extra',
    });
  });

  it('makes unique names per account a CONFLICT', async () => {
    await iam.client.send(IamSubjects.createEnterpriseProject, { name: 'payments' }, asAdmin());
    expect(await codeOf(iam.client.send(IamSubjects.createEnterpriseProject, { name: 'Payments' }, asAdmin()))).toEqual({
      code: ErrorCode.CONFLICT,
      field: 'name',
    });
    await expect(iam.client.send(IamSubjects.createEnterpriseProject, { name: 'PAYMENTS' }, asAdmin())).rejects.toMatchObject({
      reason: IamErrorReason.NAME_TAKEN,
    });
  });

  it('refuses an unknown action or a malformed wildcard and stores nothing', async () => {
    const before = await iam.client.send(IamSubjects.listPolicies, {}, asAdmin());
    for (const [actions, field] of [
      [['servicestage:assembling:fly'], 'statements[0].actions[0]'],
      [['servicestage:**:get'], 'statements[0].actions[0]'],
      [[], 'statements[0].actions'],
    ] as const) {
      const result = await codeOf(
        iam.client.send(
          IamSubjects.createPolicy,
          { name: 'bad', statements: [{ effect: 'ALLOW', actions: [...actions] }] },
          asAdmin(),
        ),
      );
      expect(result).toEqual({ code: ErrorCode.BAD_USER_INPUT, field });
    }
    expect(await iam.client.send(IamSubjects.listPolicies, {}, asAdmin())).toEqual(before);
  });

  it('keeps iam work for administrators', async () => {
    const user = await iam.client.send(IamSubjects.createUser, { name: 'dev-only' }, asAdmin());
    const key = await iam.client.send(IamSubjects.createAccessKey, { userId: user.id }, asAdmin());
    const { token } = await iam.client.send(IamSubjects.createAccessToken, key);
    expect(await codeOf(iam.client.send(IamSubjects.createUser, { name: 'sneaky' }, { token }))).toEqual({
      code: ErrorCode.FORBIDDEN,
    });
    expect(await codeOf(iam.client.send(IamSubjects.listPolicies, {}, { token }))).toEqual({ code: ErrorCode.FORBIDDEN });
  });

  it('scopes a user to the projects a policy is attached for, and invalidates cached rules within a second', async () => {
    const project = await iam.client.send(IamSubjects.createEnterpriseProject, { name: 'shop' }, asAdmin());
    const user = await iam.client.send(IamSubjects.createUser, { name: 'builder' }, asAdmin());
    const { token } = await iam.client.send(
      IamSubjects.createAccessToken,
      await iam.client.send(IamSubjects.createAccessKey, { userId: user.id }, asAdmin()),
    );
    expect(await iam.client.send(IamSubjects.listEnterpriseProjects, {}, { token })).toEqual([]);

    const policy = await iam.client.send(
      IamSubjects.createPolicy,
      { name: 'builders', statements: [{ effect: 'ALLOW', actions: ['servicestage:assembling:*'] }] },
      asAdmin(),
    );
    const attachment = await iam.client.send(
      IamSubjects.attachPolicy,
      { policyId: policy.id, userId: user.id, enterpriseProjectIds: [project.id] },
      asAdmin(),
    );
    expect((await iam.client.send(IamSubjects.listEnterpriseProjects, {}, { token })).map((p) => p.name)).toEqual(['shop']);

    const { resolver, stopListening } = listeningCallerResolver(iam.client);
    try {
      expect((await resolver.resolve({ token })).can(Actions.assembling.create, project.id)).toBe(true);
      await iam.client.send(
        IamSubjects.updatePolicy,
        {
          id: policy.id,
          statements: [
            { effect: 'ALLOW', actions: ['servicestage:assembling:*'] },
            { effect: 'DENY', actions: ['servicestage:assembling:create'] },
          ],
        },
        asAdmin(),
      );
      const deadline = Date.now() + 1000;
      let allowed = true;
      while (allowed && Date.now() < deadline) {
        allowed = (await resolver.resolve({ token })).can(Actions.assembling.create, project.id);
        if (allowed) await new Promise((r) => setTimeout(r, 20));
      }
      expect(allowed).toBe(false);

      await iam.client.send(IamSubjects.detachPolicy, { id: attachment.id }, asAdmin());
      await new Promise((r) => setTimeout(r, 200));
      expect((await resolver.resolve({ token })).can(Actions.assembling.get, project.id)).toBe(false);
    } finally {
      stopListening();
    }
  });

  it('explains a decision and names the policy that made it', async () => {
    const project = await iam.client.send(IamSubjects.createEnterpriseProject, { name: 'explained' }, asAdmin());
    const user = await iam.client.send(IamSubjects.createUser, { name: 'explainee' }, asAdmin());
    const allow = await iam.client.send(
      IamSubjects.createPolicy,
      { name: 'allow-all', statements: [{ effect: 'ALLOW', actions: ['*'] }] },
      asAdmin(),
    );
    const deny = await iam.client.send(
      IamSubjects.createPolicy,
      {
        name: 'no-builds',
        statements: [
          {
            effect: 'DENY',
            actions: ['servicestage:assembling:create', 'servicestage:assembling:modify', 'servicestage:assembling:delete'],
          },
        ],
      },
      asAdmin(),
    );
    await iam.client.send(
      IamSubjects.attachPolicy,
      { policyId: deny.id, userId: user.id, enterpriseProjectIds: null },
      asAdmin(),
    );
    await iam.client.send(IamSubjects.attachPolicy, { policyId: allow.id, userId: user.id }, asAdmin());
    const ask = (action: string) =>
      iam.client.send(IamSubjects.explainPermission, { userId: user.id, action, enterpriseProjectId: project.id }, asAdmin());
    expect(await ask('servicestage:assembling:create')).toMatchObject({ allowed: false, matchedPolicy: { id: deny.id } });
    expect(await ask('servicestage:assembling:get')).toMatchObject({ allowed: true, matchedPolicy: { id: allow.id } });
    expect(await codeOf(ask('servicestage:assembling:fly'))).toEqual({ code: ErrorCode.BAD_USER_INPUT, field: 'action' });
  });

  it('answers a request nobody serves at once with UNAVAILABLE', async () => {
    const started = Date.now();
    const result = await codeOf(iam.client.send('nobody.home.v1' as typeof IamSubjects.me, {}, asAdmin()));
    expect(result).toEqual({ code: ErrorCode.UNAVAILABLE });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
