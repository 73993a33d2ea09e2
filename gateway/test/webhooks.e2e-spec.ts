import {
  buildExecutableJar,
  eventually,
  isStagecraftSignatureValid,
  startWebhookReceiver,
  type WebhookReceiver,
} from '@stagecraft/testing';

import { baseImageFields, errorWithMessageOf, packageJobInput, type Platform, startPlatform } from './platform-harness';

const DELIVERY_FIELDS = 'id eventId eventType status attempts lastStatusCode lastError responseExcerpt finishedAt';

interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  responseExcerpt: string | null;
  finishedAt: string | null;
}

describe('webhooks through GraphQL: a real build, a real receiver, and project boundaries', () => {
  let platform: Platform;
  let receiver: WebhookReceiver;
  let receiverUrl: string;
  let projectA: string;
  let memberA: string;
  let memberB: string;
  let jobInput: Record<string, unknown>;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    receiver.answer('/stagecraft', () => ({ status: 200, body: 'thanks' }));
    // The platform's builds service may reach 127.0.0.1 (its EGRESS_ALLOWED_CIDRS), and nothing else private.
    receiverUrl = `${receiver.base}/stagecraft`;

    platform = await startPlatform();
    const admin = await platform.adminToken();
    projectA = await platform.createProject(admin, 'webhooks-a');
    const projectB = await platform.createProject(admin, 'webhooks-b');
    memberA = (await platform.userWith(admin, 'hooks-member-a', ['servicestage:*:*'], [projectA])).token;
    memberB = (await platform.userWith(admin, 'hooks-member-b', ['servicestage:*:*'], [projectB])).token;

    const upload = await platform.gql<{ createPackageUpload: { uploadUrl: string; package: { id: string } } }>(
      `mutation($e: ID!) { createPackageUpload(name: "hooked", version: "1.0.0", source: SWR, enterpriseProjectId: $e) { uploadUrl package { id } } }`,
      { e: projectA },
      memberA,
    );
    const packageId = upload.data!.createPackageUpload.package.id;
    await fetch(upload.data!.createPackageUpload.uploadUrl, {
      method: 'PUT',
      body: buildExecutableJar('com.shop.Hooked', 16 * 1024),
    });
    await platform.gql(`mutation($id: ID!) { completePackageUpload(id: $id) { status } }`, { id: packageId }, memberA);
    const cluster = await platform.gql<{ registerCluster: { id: string } }>(
      `mutation($e: ID!) { registerCluster(name: "hooks-local", type: LOCAL, enterpriseProjectId: $e) { id } }`,
      { e: projectA },
      admin,
    );
    const images = (await platform.gql<{ baseImages: string[] }>(`{ baseImages(techStack: JAVA) }`, {}, admin)).data!.baseImages;
    jobInput = packageJobInput({
      name: 'hooked-build',
      enterpriseProjectId: projectA,
      packageId,
      ...baseImageFields(images.find((image) => image.startsWith(platform.registry.host))!),
      archiveImage: `${platform.registry.host}/webhooks-a/hooked:1.0.0`,
      clusterId: cluster.data!.registerCluster.id,
    });
  }, 180_000);

  afterAll(async () => {
    await platform?.close();
    await receiver?.close();
  });

  const createWebhook = (input: Record<string, unknown>, token = memberA) =>
    platform.gql<{ createWebhook: { secret: string; webhook: { id: string; url: string } } }>(
      `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id url eventTypes statuses enabled } } }`,
      { input: { enterpriseProjectId: projectA, ...input } },
      token,
    );
  const deliveriesOf = (webhookId: string, token = memberA) =>
    platform.gql<{ webhookDeliveries: DeliveryView[] }>(
      `query($id: ID!) { webhookDeliveries(webhookId: $id) { ${DELIVERY_FIELDS} } }`,
      { id: webhookId },
      token,
    );

  let webhookId: string;

  let jobId: string;

  it("sends a real build's end to the project's webhook, signed, and its log shows the delivery", async () => {
    const created = await createWebhook({ url: receiverUrl, eventTypes: ['succeeded', 'failed'] });
    expect(created.errors).toBeUndefined();
    const { secret, webhook } = created.data!.createWebhook;
    webhookId = webhook.id;
    expect(webhook).toMatchObject({ url: receiverUrl, eventTypes: ['succeeded', 'failed'], statuses: [], enabled: true });

    const build = await platform.gql<{ createPackageJob: { job: { id: string }; build: { id: string } } }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input, build: true) { job { id } build { id } } }`,
      { input: jobInput },
      memberA,
    );
    expect(build.errors).toBeUndefined();
    jobId = build.data!.createPackageJob.job.id;
    const [delivery] = await eventually(
      async () => (await deliveriesOf(webhook.id)).data!.webhookDeliveries,
      (log) => log.length === 1 && log[0].status !== 'PENDING',
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    expect(delivery).toMatchObject({
      eventType: 'io.stagecraft.build.succeeded',
      status: 'DELIVERED',
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
      responseExcerpt: 'thanks',
    });
    const requests = receiver.received.get('/stagecraft')!;
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(isStagecraftSignatureValid(secret, request)).toBe(true);
    expect(JSON.parse(request.body)).toMatchObject({
      specversion: '1.0',
      id: delivery.eventId,
      type: 'io.stagecraft.build.succeeded',
      subject: `builds/${build.data!.createPackageJob.build.id}`,
      data: { build: { id: build.data!.createPackageJob.build.id, status: 'SUCCEEDED' } },
    });

    // No later answer carries the secret: the Webhook type has no field for it.
    const listed = await platform.gql(
      `query($e: ID!) { webhooks(enterpriseProjectId: $e) { id url } }`,
      { e: projectA },
      memberA,
    );
    const updated = await platform.gql(
      `mutation($id: ID!) { updateWebhook(id: $id, input: { description: "ci" }) { id description } }`,
      { id: webhook.id },
      memberA,
    );
    const later = JSON.stringify([listed, updated, await deliveriesOf(webhook.id)]);
    expect(later).toContain(webhook.id);
    expect(later).not.toContain(secret);
    expect(platform.logs.join('\n')).not.toContain(secret);
  });

  it('never connects to the metadata address or a private one: each attempt is refused by the egress policy', async () => {
    const targets = ['http://169.254.169.254/latest/meta-data/iam/', 'http://192.168.0.1/hook'];
    const ids: string[] = [];
    for (const url of targets) ids.push((await createWebhook({ url, eventTypes: ['succeeded'] })).data!.createWebhook.webhook.id);
    const build = await platform.gql(`mutation($id: ID!) { startBuild(jobId: $id) { id } }`, { id: jobId }, memberA);
    expect(build.errors).toBeUndefined();
    for (const id of ids) {
      // The first attempt is enough: the next ones wait out the platform's default backoff.
      const [refused] = await eventually(
        async () => (await deliveriesOf(id)).data!.webhookDeliveries,
        (log) => log.length === 1 && log[0].attempts >= 1,
        { timeoutMs: 90_000, intervalMs: 250 },
      );
      expect(refused).toMatchObject({
        eventType: 'io.stagecraft.build.succeeded',
        lastStatusCode: null,
        lastError: 'the egress policy does not allow connecting to this address',
        responseExcerpt: null,
      });
    }
  });

  it('answers BAD_USER_INPUT naming the field and the rule', async () => {
    expect(
      errorWithMessageOf(await createWebhook({ url: 'https://bot:token@hooks.example.com/', eventTypes: ['failed'] })),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'url',
      message: 'url must not carry a user or password (the signature authenticates)',
    });
    expect(errorWithMessageOf(await createWebhook({ url: 'ftp://hooks.example.com/', eventTypes: ['failed'] }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'url',
      message: 'url must be an https or http URL',
    });
    expect(errorWithMessageOf(await createWebhook({ url: receiverUrl, eventTypes: [] }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'eventTypes',
      message: 'eventTypes must name at least one event type',
    });
  });

  it("keeps project A's webhooks from a member of project B", async () => {
    expect(
      (await platform.gql(`query($e: ID!) { webhooks(enterpriseProjectId: $e) { id } }`, { e: projectA }, memberB)).data,
    ).toEqual({ webhooks: [] });
    expect(errorWithMessageOf(await deliveriesOf(webhookId, memberB))).toMatchObject({ code: 'NOT_FOUND' });
    for (const mutation of [
      `mutation($id: ID!) { updateWebhook(id: $id, input: { url: "https://attacker.example.com/" }) { id } }`,
      `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`,
      `mutation($id: ID!) { deleteWebhook(id: $id) }`,
    ]) {
      const answer = await platform.gql(mutation, { id: webhookId }, memberB);
      expect({ mutation, error: errorWithMessageOf(answer) }).toMatchObject({ mutation, error: { code: 'NOT_FOUND' } });
    }
    expect(
      errorWithMessageOf(await createWebhook({ url: 'https://attacker.example.com/', eventTypes: ['succeeded'] }, memberB)),
    ).toMatchObject({ code: 'FORBIDDEN' });
    const [webhook] = (
      await platform.gql<{ webhooks: { id: string; url: string }[] }>(
        `query($e: ID!) { webhooks(enterpriseProjectId: $e) { id url } }`,
        { e: projectA },
        memberA,
      )
    ).data!.webhooks;
    expect(webhook).toEqual({ id: webhookId, url: receiverUrl });
  });
});
