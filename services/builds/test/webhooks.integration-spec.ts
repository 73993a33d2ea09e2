import { randomUUID } from 'node:crypto';

import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { buildAbility, Caller, compilePolicies } from '@stagecraft/authz';
import { loadConfig } from '@stagecraft/config';
import {
  BUILD_EVENTS_STREAM,
  type BuildEventDto,
  type BuildStatus,
  ErrorCode,
  ServiceError,
  type WebhookDeliveryDto,
} from '@stagecraft/contracts';
import { subscribeOrdered } from '@stagecraft/messaging';
import { SecretBox } from '@stagecraft/secrets';
import {
  connectTestClient,
  createTestDatabase,
  isStagecraftSignatureValid,
  type ReceivedRequest,
  startWebhookReceiver,
  type TestDatabase,
  testNatsSettings,
  testSubjectPrefix,
  type WebhookReceiver,
} from '@stagecraft/testing';
import { DataSource } from 'typeorm';

import { BuildsModule } from '../src/builds.module';
import { BuildEventsRelay } from '../src/builds/build-events.relay';
import type { BuildExecutor } from '../src/builds/executors/build-executor';
import { BuildRepository } from '../src/builds/infra/build.repository';
import { BuildsConfig } from '../src/config';
import { WebhooksService } from '../src/webhooks/webhooks.service';
import { queuedBuild } from './queued-build';

describe('webhooks: build events delivered to project webhooks (real Postgres, NATS JetStream and HTTP receiver)', () => {
  let database: TestDatabase;
  let app: INestApplicationContext;
  let receiver: WebhookReceiver;
  let base: string;
  let received: Map<string, ReceivedRequest[]>;
  const projectA = randomUUID();
  const projectB = randomUUID();
  const accountId = randomUUID();

  const callerIn = (projects: string[], userId = randomUUID()) =>
    new Caller(
      userId,
      accountId,
      false,
      buildAbility(
        compilePolicies(
          [
            {
              policy: { id: 'p', name: 'p', statements: [{ effect: 'ALLOW', actions: ['servicestage:*:*'] }] },
              enterpriseProjectIds: projects,
            },
          ],
          false,
        ),
      ),
      {},
    );
  const memberOfA = callerIn([projectA]);
  const memberOfB = callerIn([projectB]);

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    ({ base, received } = receiver);

    database = await createTestDatabase('webhooks');
    app = await startBuilds();
  });

  const subjectPrefix = testSubjectPrefix();
  const secretsKey = SecretBox.generateKey();
  /** The builds service on the test's database and NATS prefix; a second start is the same installation restarted. */
  async function startBuilds(webhookSettings: Record<string, string> = {}): Promise<INestApplicationContext> {
    const config = loadConfig(BuildsConfig, {
      DATABASE_URL: database.url,
      ...testNatsSettings('builds', subjectPrefix),
      // The test drives each build's state itself.
      BUILD_SCHEDULER_INTERVAL_MS: '3600000',
      SECRETS_KEY: secretsKey,
      // The receiver listens on 127.0.0.1, allowed as an operator would (docs/security.md#egress); nothing else private is.
      EGRESS_ALLOWED_CIDRS: '127.0.0.1/32',
      // Short backoff instead of long sleeps: 3 attempts, 100 ms then 200 ms apart.
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_BACKOFF_INITIAL_MS: '100',
      WEBHOOK_BACKOFF_MAX_MS: '200',
      WEBHOOK_DISPATCH_INTERVAL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '2000',
      ...webhookSettings,
    });
    const idle: BuildExecutor = { execute: () => new Promise(() => undefined) };
    const started = await NestFactory.createApplicationContext(BuildsModule.forConfig(config, { executor: idle }), {
      logger: false,
    });
    await started.init();
    return started;
  }

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    await receiver?.close();
  });

  const service = () => app.get(WebhooksService);

  /** A build of `project` taken through `statuses` (each a committed state change and its event). */
  async function buildThrough(project: string, ...statuses: BuildStatus[]): Promise<string> {
    const builds = app.get(BuildRepository);
    const { id } = await builds.create(
      queuedBuild({ accountId, enterpriseProjectId: project, clusterId: randomUUID(), packageSha256: 'unused' }),
    );
    for (const status of statuses) await builds.transition(id, status, status === 'FAILED' ? { reason: 'BUILD_FAILED' } : {});
    await app.get(BuildEventsRelay).flush();
    return id;
  }

  /** Polls the delivery log until `done` holds (no fixed sleep; the jest timeout bounds it). */
  async function logUntil(
    webhookId: string,
    done: (log: WebhookDeliveryDto[]) => boolean,
    caller = memberOfA,
  ): Promise<WebhookDeliveryDto[]> {
    for (;;) {
      const log = await service().deliveries(caller, webhookId, 50);
      if (done(log)) return log;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  const finished = (log: WebhookDeliveryDto[]) => log.length > 0 && log.every((delivery) => delivery.status !== 'PENDING');

  async function errorOf(promise: Promise<unknown>): Promise<ServiceError> {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof ServiceError)) throw new Error(`expected a ServiceError, got ${String(error)}`);
    return error;
  }

  it('delivers a matching event once, in CloudEvents structured mode, with a signature a receiver can verify', async () => {
    const { webhook, secret } = await service().create(memberOfA, {
      enterpriseProjectId: projectA,
      url: `${base}/ends`,
      eventTypes: ['succeeded', 'failed'],
    });
    const buildId = await buildThrough(projectA, 'SCHEDULING', 'RUNNING', 'SUCCEEDED');

    const [delivery] = await logUntil(webhook.id, finished);
    // Events are consumed in order: once `succeeded` is delivered, queued, scheduling and running were seen and skipped.
    const requests = received.get('/ends') ?? [];
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(request.headers['x-stagecraft-delivery']).toBe(delivery.id);
    expect(isStagecraftSignatureValid(secret, request)).toBe(true);
    expect(isStagecraftSignatureValid(`${secret}x`, request)).toBe(false);
    const event = JSON.parse(request.body);
    expect(event).toMatchObject({
      specversion: '1.0',
      id: delivery.eventId,
      type: 'io.stagecraft.build.succeeded',
      source: `/stagecraft/accounts/${accountId}/enterprise-projects/${projectA}/jobs/${event.data.build.jobId}`,
      subject: `builds/${buildId}`,
      datacontenttype: 'application/json',
      data: { eventId: delivery.eventId, type: 'succeeded', build: { id: buildId, status: 'SUCCEEDED' } },
    });
    expect(new Date(event.time).toISOString()).toBe(event.time);
    expect(delivery).toMatchObject({
      webhookId: webhook.id,
      eventType: 'io.stagecraft.build.succeeded',
      status: 'DELIVERED',
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(delivery.finishedAt).not.toBeNull();
  });

  it('publishes the same CloudEvents attributes on BUILD_EVENTS as ce-* headers, the body unchanged', async () => {
    const buildId = await buildThrough(projectB, 'SCHEDULING');
    // A follower of the stream, as the gateway is (the identity NATS lets read it).
    const follower = await connectTestClient(subjectPrefix, 3000, 'gateway');
    try {
      const subscription = await subscribeOrdered<BuildEventDto>(follower.connection, follower.connection.jetstream(), {
        stream: BUILD_EVENTS_STREAM,
        subjectPrefix,
        filterSubject: `events.builds.${accountId}.${projectB}.*.${buildId}.*`,
      });
      const events = [];
      for await (const event of subscription) {
        events.push(event);
        if (events.length === 2) break;
      }
      expect(events.map((event) => event.data.type)).toEqual(['queued', 'scheduling']);
      const [, scheduling] = events;
      expect(scheduling.headers).toMatchObject({
        'ce-specversion': '1.0',
        'ce-id': scheduling.eventId,
        'ce-type': 'io.stagecraft.build.scheduling',
        'ce-source': `/stagecraft/accounts/${accountId}/enterprise-projects/${projectB}/jobs/${scheduling.data.build.jobId}`,
        'ce-subject': `builds/${buildId}`,
        'ce-time': scheduling.data.at,
        'content-type': 'application/json',
      });
    } finally {
      await follower.connection.close();
    }
  });

  it('filters by project, event type and status, and skips a disabled webhook', async () => {
    const create = (path: string, settings: { eventTypes: string[]; statuses?: string[]; enabled?: boolean }) =>
      service().create(memberOfA, { enterpriseProjectId: projectA, url: `${base}${path}`, ...settings });
    const failedOnly = await create('/failed-only', { eventTypes: ['succeeded', 'failed'], statuses: ['FAILED'] });
    const phases = await create('/running', { eventTypes: ['running'] });
    const disabled = await create('/disabled', { eventTypes: ['failed'], enabled: false });
    const otherProject = await service().create(memberOfB, {
      enterpriseProjectId: projectB,
      url: `${base}/project-b`,
      eventTypes: ['failed'],
    });

    await buildThrough(projectA, 'SCHEDULING', 'RUNNING', 'SUCCEEDED');
    const failed = await buildThrough(projectA, 'SCHEDULING', 'RUNNING', 'FAILED');

    const [onlyFailure] = await logUntil(failedOnly.webhook.id, finished);
    expect(onlyFailure.eventType).toBe('io.stagecraft.build.failed');
    expect(JSON.parse(received.get('/failed-only')![0].body).data.build.id).toBe(failed);
    const running = await logUntil(phases.webhook.id, (log) => log.length === 2 && finished(log));
    expect(running.map((delivery) => delivery.eventType)).toEqual(['io.stagecraft.build.running', 'io.stagecraft.build.running']);
    // The failed build's event was handled after every one of these: nothing more can come for them.
    expect(received.get('/failed-only')).toHaveLength(1);
    expect(await service().deliveries(memberOfA, disabled.webhook.id, 50)).toEqual([]);
    expect(await service().deliveries(memberOfB, otherProject.webhook.id, 50)).toEqual([]);
    expect(received.has('/disabled')).toBe(false);
    expect(received.has('/project-b')).toBe(false);
  });

  it('retries a failing receiver with backoff, and the log shows each attempt until it is delivered or given up', async () => {
    receiver.answer('/flaky', (n) => ({ status: n < 2 ? 500 : 200 }));
    receiver.answer('/down', () => ({ status: 503 }));
    const flaky = await service().create(memberOfA, {
      enterpriseProjectId: projectA,
      url: `${base}/flaky`,
      eventTypes: ['error'],
    });
    const down = await service().create(memberOfA, { enterpriseProjectId: projectA, url: `${base}/down`, eventTypes: ['error'] });
    await buildThrough(projectA, 'SCHEDULING', 'ERROR');

    const [recovered] = await logUntil(flaky.webhook.id, finished);
    expect(recovered).toMatchObject({ status: 'DELIVERED', attempts: 3, lastStatusCode: 200, lastError: null });
    const attempts = received.get('/flaky')!;
    expect(attempts).toHaveLength(3);
    // Every attempt is the same delivery and body, each signed afresh and valid.
    expect(new Set(attempts.map((attempt) => attempt.headers['x-stagecraft-delivery']))).toEqual(new Set([recovered.id]));
    expect(new Set(attempts.map((attempt) => attempt.body)).size).toBe(1);
    expect(attempts.every((attempt) => isStagecraftSignatureValid(flaky.secret, attempt))).toBe(true);
    // Backoff: at least 100 ms, then at least 200 ms between attempts (lower bounds only).
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(95);
    expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(195);

    const [givenUp] = await logUntil(down.webhook.id, finished);
    expect(givenUp).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      lastStatusCode: 503,
      lastError: null,
      responseExcerpt: 'answer 3',
      nextAttemptAt: null,
    });
    expect(received.get('/down')).toHaveLength(3);
  });

  it('refuses to connect to a forbidden address (cloud metadata, private ranges): the attempt fails without a request', async () => {
    const targets = ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/hook', 'http://[::1]/hook'];
    const hooks = await Promise.all(
      targets.map((url) => service().create(memberOfA, { enterpriseProjectId: projectA, url, eventTypes: ['expired'] })),
    );
    await buildThrough(projectA, 'EXPIRED');
    for (const { webhook } of hooks) {
      const [refused] = await logUntil(webhook.id, finished);
      expect(refused).toMatchObject({
        status: 'FAILED',
        attempts: 3,
        lastStatusCode: null,
        lastError: 'the egress policy does not allow connecting to this address',
      });
    }
  });

  it("keeps project B's webhooks from a member of project A, as if they did not exist", async () => {
    const { webhook } = await service().create(memberOfB, {
      enterpriseProjectId: projectB,
      url: `${base}/b-private`,
      eventTypes: ['succeeded'],
    });
    const notFound = { code: ErrorCode.NOT_FOUND, reason: 'WEBHOOK_NOT_FOUND', message: 'webhook not found' };
    expect(await service().list(memberOfA, projectB)).toEqual([]);
    expect(await errorOf(service().deliveries(memberOfA, webhook.id, 50))).toMatchObject(notFound);
    expect(await errorOf(service().update(memberOfA, { id: webhook.id, url: `${base}/stolen` }))).toMatchObject(notFound);
    expect(await errorOf(service().rotateSecret(memberOfA, webhook.id))).toMatchObject(notFound);
    expect(await errorOf(service().delete(memberOfA, webhook.id))).toMatchObject(notFound);
    expect(
      await errorOf(
        service().create(memberOfA, { enterpriseProjectId: projectB, url: `${base}/planted`, eventTypes: ['succeeded'] }),
      ),
    ).toMatchObject({
      code: ErrorCode.FORBIDDEN,
      message: 'servicestage:assembling:create is not allowed in this enterprise project',
    });
    // Untouched: B's member still sees it as it was, and nothing was planted in B.
    expect(await service().list(memberOfB, projectB)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: webhook.id, url: `${base}/b-private` })]),
    );
    expect((await service().list(memberOfB, projectB)).some((hook) => hook.url.endsWith('/planted'))).toBe(false);
  });

  it('shows the secret only when created or rotated: never in a later answer, never stored in clear', async () => {
    const created = await service().create(memberOfA, {
      enterpriseProjectId: projectA,
      url: `${base}/secretive`,
      eventTypes: ['cancelled'],
    });
    expect(created.secret).toMatch(/^whsec_/);
    const updated = await service().update(memberOfA, { id: created.webhook.id, description: 'orders team' });
    const rotated = await service().rotateSecret(memberOfA, created.webhook.id);
    expect(rotated.secret).not.toBe(created.secret);
    await buildThrough(projectA, 'CANCELLED');
    const log = await logUntil(created.webhook.id, finished);
    const later = JSON.stringify([created.webhook, updated, rotated.webhook, await service().list(memberOfA, projectA), log]);
    for (const secret of [created.secret, rotated.secret]) {
      expect(later).not.toContain(secret);
      expect(later).not.toContain(secret.slice('whsec_'.length));
    }
    const rows: { secret_sealed: string }[] = await app
      .get(DataSource)
      .query('SELECT secret_sealed FROM webhooks WHERE id = $1', [created.webhook.id]);
    expect(rows[0].secret_sealed).toMatch(/^v1\./);
    expect(rows[0].secret_sealed).not.toContain(rotated.secret.slice('whsec_'.length));
    // Deliveries after the rotation are signed with the new secret only.
    const [request] = received.get('/secretive')!;
    expect(isStagecraftSignatureValid(rotated.secret, request)).toBe(true);
    expect(isStagecraftSignatureValid(created.secret, request)).toBe(false);
  });

  it('keeps a pending delivery across a restart: the next start sends it when it is due', async () => {
    receiver.answer('/restart', (n) => ({ status: n === 0 ? 500 : 200 }));
    const { webhook, secret } = await service().create(memberOfA, {
      enterpriseProjectId: projectA,
      url: `${base}/restart`,
      eventTypes: ['timed_out'],
    });
    // This run waits an hour after a failed attempt: the retry can only come from a later start.
    await app.close();
    app = await startBuilds({ WEBHOOK_BACKOFF_INITIAL_MS: '3600000', WEBHOOK_BACKOFF_MAX_MS: '3600000' });
    await buildThrough(projectA, 'SCHEDULING', 'RUNNING', 'TIMED_OUT');
    const [waiting] = await logUntil(webhook.id, (log) => log[0]?.attempts === 1);
    expect(waiting).toMatchObject({ status: 'PENDING', lastStatusCode: 500 });
    expect(Date.parse(waiting.nextAttemptAt!) - Date.parse(waiting.lastAttemptAt!)).toBe(3_600_000);
    await app.close();

    // The hour passes while the service is down (the clock moved in the database, not by waiting).
    await new DataSource({ type: 'postgres', url: database.url }).initialize().then(async (dataSource) => {
      await dataSource.query(`UPDATE builds.webhook_deliveries SET next_attempt_at = now() WHERE id = $1`, [waiting.id]);
      await dataSource.destroy();
    });
    app = await startBuilds();
    const [delivered] = await logUntil(webhook.id, finished);
    expect(delivered).toMatchObject({ id: waiting.id, status: 'DELIVERED', attempts: 2, lastStatusCode: 200 });
    expect(received.get('/restart')).toHaveLength(2);
    expect(isStagecraftSignatureValid(secret, received.get('/restart')![1])).toBe(true);
  });

  it('refuses bad settings with the field and the rule', async () => {
    const refused = await errorOf(
      service().create(memberOfA, {
        enterpriseProjectId: projectA,
        url: 'https://user:pw@hooks.example.com/',
        eventTypes: ['failed'],
      }),
    );
    expect(refused).toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
      field: 'url',
      message: 'url must not carry a user or password (the signature authenticates)',
    });
    expect(refused.message).not.toContain('pw');
    // A list names each type once, whatever the request repeated.
    const repeated = await service().create(memberOfA, {
      enterpriseProjectId: projectA,
      url: `${base}/repeated`,
      eventTypes: ['failed', 'failed', 'error'],
      statuses: ['FAILED', 'FAILED'],
    });
    expect(repeated.webhook).toMatchObject({ eventTypes: ['failed', 'error'], statuses: ['FAILED'] });
  });
});
