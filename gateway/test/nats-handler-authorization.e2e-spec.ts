import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INestMicroservice } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { findAction } from '@stagecraft/authz';
import {
  ArtifactsSubjects,
  BuildsSubjects,
  ClustersSubjects,
  ErrorCode,
  EVENT_SUBJECTS,
  IamSubjects,
  JobsSubjects,
  type RequestOf,
  ServiceError,
  type Subject,
  SUBJECT_SENDERS,
  subjectOwner,
  WebhooksSubjects,
} from '@stagecraft/contracts';
import { type NatsRpcClient, RPC_ACCESS, type RpcAccess } from '@stagecraft/messaging';
import { SecretBox } from '@stagecraft/secrets';
import { buildExecutableJar, connectTestClient, TEST_OPERATOR, type TestIdentity } from '@stagecraft/testing';
import { Client } from 'pg';

import { errorOf, type Platform, startPlatform } from './platform-harness';

/**
 * Issue 9, item 2: every NATS handler declares who may call it, and nobody gets another
 * project's data or changes it by talking to the services straight over NATS.
 */

const REQUEST_SUBJECT_GROUPS = [IamSubjects, ArtifactsSubjects, ClustersSubjects, JobsSubjects, BuildsSubjects, WebhooksSubjects];
/** Every request subject of the contracts: the `*Subjects` objects, less the plain-publish events. */
const REQUEST_SUBJECTS = REQUEST_SUBJECT_GROUPS.flatMap((group) => Object.values(group) as string[]).filter(
  (subject) => !(subject in EVENT_SUBJECTS),
) as Subject[];

interface ProjectA {
  accountId: string;
  projectId: string;
  projectName: string;
  packageId: string;
  clusterId: string;
  jobId: string;
  buildId: string;
  webhookId: string;
  memberId: string;
  memberAccessKey: string;
  policyId: string;
  attachmentId: string;
}

/** A request for every subject, each naming project A's resources where it names any. */
const PAYLOADS: { [S in Subject]: (a: ProjectA) => RequestOf<S> } = {
  [IamSubjects.createAccessToken]: (a) => ({ accessKey: a.memberAccessKey, secretKey: 'not-the-secret' }),
  [IamSubjects.getSigningKeys]: () => ({}),
  [IamSubjects.getCallerRules]: () => ({}),
  [IamSubjects.me]: () => ({}),
  [IamSubjects.listEnterpriseProjects]: () => ({}),
  [IamSubjects.getEnterpriseProjects]: (a) => ({ ids: [a.projectId] }),
  [IamSubjects.createEnterpriseProject]: () => ({ name: `intruder-${randomBytes(3).toString('hex')}` }),
  [IamSubjects.createUser]: () => ({ name: `intruder-${randomBytes(3).toString('hex')}`, admin: true }),
  [IamSubjects.getUsers]: (a) => ({ ids: [a.memberId] }),
  [IamSubjects.listUsers]: () => ({}),
  [IamSubjects.createAccessKey]: (a) => ({ userId: a.memberId }),
  [IamSubjects.listPolicies]: () => ({}),
  [IamSubjects.createPolicy]: () => ({
    name: `intruder-${randomBytes(3).toString('hex')}`,
    statements: [{ effect: 'ALLOW', actions: ['servicestage:*:*'] }],
  }),
  [IamSubjects.updatePolicy]: (a) => ({ id: a.policyId, statements: [{ effect: 'ALLOW', actions: ['servicestage:*:*'] }] }),
  [IamSubjects.deletePolicy]: (a) => ({ id: a.policyId }),
  [IamSubjects.listAttachments]: (a) => ({ userId: a.memberId }),
  [IamSubjects.attachPolicy]: (a) => ({ policyId: a.policyId, userId: a.memberId, enterpriseProjectIds: null }),
  [IamSubjects.detachPolicy]: (a) => ({ id: a.attachmentId }),
  [IamSubjects.explainPermission]: (a) => ({
    userId: a.memberId,
    action: 'servicestage:assembling:delete',
    enterpriseProjectId: a.projectId,
  }),
  [IamSubjects.getDefaultProject]: () => ({}),
  [IamSubjects.health]: () => ({}),
  [IamSubjects.deleteUser]: (a) => ({ id: a.memberId }),
  [IamSubjects.disableAccessKey]: (a) => ({ accessKey: a.memberAccessKey }),
  [IamSubjects.enableAccessKey]: (a) => ({ accessKey: a.memberAccessKey }),
  [IamSubjects.deleteAccessKey]: (a) => ({ accessKey: a.memberAccessKey }),
  [IamSubjects.revokeTokens]: (a) => ({ userId: a.memberId }),
  [IamSubjects.createSession]: (a) => ({ accessKey: a.memberAccessKey, secretKey: 'not-the-secret' }),
  [IamSubjects.refreshSession]: () => ({ refreshToken: `scrt_${randomBytes(32).toString('base64url')}` }),
  [IamSubjects.listAuditRecords]: (a) => ({ actorId: a.memberId }),
  [IamSubjects.registryToken]: (a) => ({
    service: 'stagecraft-registry',
    scopes: ['repository:intruder/app:pull,push'],
    username: a.memberAccessKey,
    password: 'not-the-secret',
  }),
  [IamSubjects.buildRegistryCredential]: (a) => ({
    accountId: '00000000-0000-4000-8000-000000000000',
    enterpriseProjectId: a.projectId,
    jobId: a.jobId,
    buildId: a.buildId,
    repository: 'intruder/app',
    imageClass: 'PUBLIC',
    expiresAt: '2999-01-01T00:00:00Z',
  }),
  [IamSubjects.pruneRegistryCredential]: (a) => ({
    accountId: a.accountId,
    enterpriseProjectId: a.projectId,
    repository: 'tenant-a/orders',
  }),
  [IamSubjects.listImageRepositories]: (a) => ({ enterpriseProjectId: a.projectId }),
  [IamSubjects.setImageRepositoryClass]: () => ({ name: 'intruder/app', imageClass: 'PUBLIC' }),
  [IamSubjects.createRobotAccount]: (a) => ({ enterpriseProjectId: a.projectId, name: 'intruder' }),
  [IamSubjects.listRobotAccounts]: (a) => ({ enterpriseProjectId: a.projectId }),
  [IamSubjects.deleteRobotAccount]: () => ({ id: 'SCRBINTRUDER' }),

  [ArtifactsSubjects.createPackageUpload]: (a) => ({
    name: 'intruder',
    version: '1.0.0',
    source: 'SWR',
    enterpriseProjectId: a.projectId,
  }),
  [ArtifactsSubjects.completePackageUpload]: (a) => ({ id: a.packageId }),
  [ArtifactsSubjects.uploadTarget]: (a) => ({ id: a.packageId, sizeBytes: 1024 }),
  [ArtifactsSubjects.downloadUrl]: (a) => ({ id: a.packageId, ttlSeconds: 600 }),
  // Token-less (the grant is the authorization): one sealed with another key names project A's package.
  [ArtifactsSubjects.buildDownloadUrl]: (a) => ({
    grant: new SecretBox(SecretBox.generateKey()).seal(
      JSON.stringify({ packageId: a.packageId, sha256: 'a'.repeat(64), expiresAt: '2999-01-01T00:00:00Z' }),
      'package-download-grant',
    ),
    ttlSeconds: 600,
  }),
  // Token-less (builds' base-image watcher): builds is trusted with the account it names, so the
  // attacker's request names another one (as for the build credential above).
  [ArtifactsSubjects.rebuildGrant]: (a) => ({
    accountId: '00000000-0000-4000-8000-000000000000',
    packageId: a.packageId,
    sha256: 'a'.repeat(64),
    ttlSeconds: 600,
  }),
  [ArtifactsSubjects.registerObsPackage]: (a) => ({
    name: 'intruder',
    version: '1.0.0',
    bucket: 'intruder-bucket',
    objectKey: 'k.jar',
    enterpriseProjectId: a.projectId,
  }),
  [ArtifactsSubjects.deletePackage]: (a) => ({ id: a.packageId }),
  [ArtifactsSubjects.getPackage]: (a) => ({ id: a.packageId }),
  [ArtifactsSubjects.listPackages]: (a) => ({ enterpriseProjectId: a.projectId }),
  [ArtifactsSubjects.configureObsCredentials]: () => ({
    endpoint: 'http://127.0.0.1:1',
    region: 'r',
    accessKeyId: 'intruder',
    secretAccessKey: 'intruder',
  }),
  [ArtifactsSubjects.health]: () => ({}),

  [ClustersSubjects.registerCluster]: (a) => ({ name: 'intruder', type: 'LOCAL', enterpriseProjectId: a.projectId }),
  [ClustersSubjects.refreshCluster]: (a) => ({ id: a.clusterId }),
  [ClustersSubjects.deleteCluster]: (a) => ({ id: a.clusterId }),
  [ClustersSubjects.getCluster]: (a) => ({ id: a.clusterId }),
  [ClustersSubjects.listClusters]: (a) => ({ enterpriseProjectId: a.projectId }),
  [ClustersSubjects.selectNodes]: (a) => ({ clusterId: a.clusterId, labels: [] }),
  [ClustersSubjects.buildTarget]: (a) => ({ clusterId: a.clusterId, labels: [] }),
  [ClustersSubjects.health]: () => ({}),

  [JobsSubjects.createJob]: (a) => ({
    input: {
      name: 'intruder',
      enterpriseProjectId: a.projectId,
      packageId: a.packageId,
      buildType: 'SYSTEM_DEFAULT',
      imageClass: 'PRIVATE',
      archiveImage: '127.0.0.1:1/intruder/app:1',
      clusterId: a.clusterId,
    },
    build: true,
  }),
  [JobsSubjects.updateJob]: (a) => ({ id: a.jobId, patch: { description: 'taken over' } }),
  [JobsSubjects.deleteJob]: (a) => ({ id: a.jobId }),
  [JobsSubjects.getJob]: (a) => ({ id: a.jobId }),
  [JobsSubjects.getJobForBuild]: (a) => ({ id: a.jobId }),
  // Token-less (builds' base-image watcher): builds is trusted with the account it names; another account's job is not found.
  [JobsSubjects.getJobForAutoRebase]: (a) => ({ accountId: '00000000-0000-4000-8000-000000000000', jobId: a.jobId }),
  [JobsSubjects.listJobs]: (a) => ({ enterpriseProjectId: a.projectId }),
  [JobsSubjects.baseImages]: () => ({ techStack: 'JAVA' }),
  [JobsSubjects.usage]: (a) => ({ packageId: a.packageId, enterpriseProjectId: a.projectId }),
  [JobsSubjects.health]: () => ({}),

  [BuildsSubjects.startBuild]: (a) => ({ jobId: a.jobId }),
  // A job snapshot naming project A's job, package and cluster: only jobs may send it, and only for a caller who may build there.
  [BuildsSubjects.startBuildForJob]: (a) => ({
    job: {
      id: a.jobId,
      accountId: a.accountId,
      enterpriseProjectId: a.projectId,
      name: 'intruder',
      description: null,
      packageId: a.packageId,
      techStack: 'JAVA',
      buildSpec: { type: 'SYSTEM_DEFAULT', baseImage: 'eclipse-temurin', baseImageTag: '17-jre', dockerfile: null },
      imageClass: 'PUBLIC',
      archiveImage: '127.0.0.1:1/intruder/app:1',
      clusterId: a.clusterId,
      nodeLabels: [],
      warnings: [],
      autoRebase: false,
      createdBy: a.memberId,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      version: 1,
    },
  }),
  [BuildsSubjects.cancelBuild]: (a) => ({ id: a.buildId }),
  [BuildsSubjects.getBuild]: (a) => ({ id: a.buildId }),
  [BuildsSubjects.listBuilds]: (a) => ({ jobId: a.jobId }),
  [BuildsSubjects.lastBuilds]: (a) => ({ jobIds: [a.jobId] }),
  [BuildsSubjects.baseImageImpact]: () => ({ baseImage: '127.0.0.1:1/eclipse-temurin:17-jre' }),
  [BuildsSubjects.buildLog]: (a) => ({ buildId: a.buildId, offset: 0 }),
  [BuildsSubjects.getBuildAttestation]: (a) => ({ id: a.buildId }),
  [BuildsSubjects.attestationKey]: () => ({}),
  [BuildsSubjects.deleteJobBuilds]: (a) => ({ jobId: a.jobId }),
  [BuildsSubjects.jobBuildRetention]: (a) => ({ jobId: a.jobId }),
  [BuildsSubjects.setJobBuildRetention]: (a) => ({
    jobId: a.jobId,
    retention: { keepSucceeded: 1, keepFailed: 1, maxAgeDays: 1, deleteImages: true },
  }),
  [BuildsSubjects.projectBuildRetention]: (a) => ({ enterpriseProjectId: a.projectId }),
  [BuildsSubjects.setProjectBuildRetention]: (a) => ({
    enterpriseProjectId: a.projectId,
    retention: { keepSucceeded: 1, keepFailed: 1, maxAgeDays: 1, deleteImages: true },
  }),
  [BuildsSubjects.health]: () => ({}),
  [WebhooksSubjects.createWebhook]: (a) => ({
    enterpriseProjectId: a.projectId,
    url: 'https://attacker.example.com/collect',
    eventTypes: ['succeeded'],
  }),
  [WebhooksSubjects.updateWebhook]: (a) => ({ id: a.webhookId, url: 'https://attacker.example.com/collect' }),
  [WebhooksSubjects.rotateWebhookSecret]: (a) => ({ id: a.webhookId }),
  [WebhooksSubjects.deleteWebhook]: (a) => ({ id: a.webhookId }),
  [WebhooksSubjects.listWebhooks]: (a) => ({ enterpriseProjectId: a.projectId }),
  [WebhooksSubjects.webhookDeliveries]: (a) => ({ webhookId: a.webhookId }),
};

type Outcome = { ok: true; data: unknown } | { ok: false; code: string; message: string; field?: string };

async function outcomeOf(promise: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, data: await promise };
  } catch (error) {
    if (error instanceof ServiceError) return { ok: false, ...error.toBody() };
    throw error;
  }
}

/** Every handler of a running service: subject → its declaration (undefined when it has none). */
function handlersOf(app: INestMicroservice): Map<string, RpcAccess | undefined> {
  const handlers = new Map<string, RpcAccess | undefined>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as { prototype: Record<string, unknown> } | null;
      if (!type) continue;
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const method = type.prototype[name];
        if (name === 'constructor' || typeof method !== 'function') continue;
        const patterns: unknown = Reflect.getMetadata(PATTERN_METADATA, method);
        if (!Array.isArray(patterns)) continue;
        const access = (Reflect.getMetadata(RPC_ACCESS, method) ?? Reflect.getMetadata(RPC_ACCESS, type)) as
          | RpcAccess
          | undefined;
        for (const pattern of patterns) handlers.set(String(pattern), access);
      }
    }
  }
  return handlers;
}

describe('who may call each NATS subject (issue 9: every handler authorised, fail-closed)', () => {
  let platform: Platform;
  let admin: string;
  let database: Client;
  let a: ProjectA;
  let projectB: string;
  /** Project A's ids and names: none may appear in an answer to an attacker. */
  let markers: string[];
  const attackers: Record<'no policy' | 'servicestage:*:* in another project', { id: string; token: string }> = {} as never;
  let member: { id: string; token: string };
  let denied: { id: string; token: string };
  const clients = new Map<TestIdentity, NatsRpcClient>();
  const handlers = new Map<string, { service: string; access: RpcAccess | undefined }>();

  async function must<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
    const response = await platform.gql<T>(query, variables, token);
    if (response.errors?.length || !response.data) throw new Error(`GraphQL failed: ${JSON.stringify(response.errors)}`);
    return response.data;
  }

  /** A user with these statements attached in `projects` (none: no policy at all). */
  const user = (name: string, statements: { effect: 'ALLOW' | 'DENY'; actions: string[] }[], projects: string[]) =>
    platform.userWithStatements(admin, name, statements, projects);

  /** A request client on the test NATS as `identity` (each sends only what the server permits it). */
  async function clientAs(identity: TestIdentity): Promise<NatsRpcClient> {
    let client = clients.get(identity);
    if (!client) {
      client = await connectTestClient(platform.subjectPrefix, 3_000, identity);
      clients.set(identity, client);
    }
    return client;
  }

  /** A digest of every row of every table: an attack must leave it as it was. */
  async function databaseDigest(): Promise<Record<string, string>> {
    const { rows: tables } = await database.query<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
    );
    const digest: Record<string, string> = {};
    for (const { s, t } of tables) {
      const { rows } = await database.query<{ h: string }>(
        `SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS h FROM "${s}"."${t}" r`,
      );
      digest[`${s}.${t}`] = rows[0].h;
    }
    return digest;
  }

  async function history(): Promise<{ builds: string[]; log: string }> {
    const data = await must<{ builds: { edges: { node: { id: string } }[] }; buildLog: { text: string } }>(
      `query($j: ID!, $b: ID!) { builds(jobId: $j) { edges { node { id } } } buildLog(buildId: $b) { text } }`,
      { j: a.jobId, b: a.buildId },
      admin,
    );
    return { builds: data.builds.edges.map((edge) => edge.node.id), log: data.buildLog.text };
  }

  beforeAll(async () => {
    platform = await startPlatform();
    admin = await platform.adminToken();
    database = new Client({ connectionString: platform.databaseUrl });
    await database.connect();
    for (const [service, app] of Object.entries({
      iam: platform.iam,
      artifacts: platform.artifacts,
      clusters: platform.clusters,
      jobs: platform.jobs,
      builds: platform.builds,
    })) {
      for (const [subject, access] of handlersOf(app)) handlers.set(subject, { service, access });
    }

    const suffix = randomBytes(4).toString('hex');
    const projectName = `tenant-a-${suffix}`;
    const projectId = await platform.createProject(admin, projectName);
    projectB = await platform.createProject(admin, `tenant-b-${suffix}`);
    const memberA = await user(`member-a-${suffix}`, [{ effect: 'ALLOW', actions: ['servicestage:*:*'] }], [projectId]);
    member = memberA;
    denied = await user(
      `denied-a-${suffix}`,
      [
        { effect: 'ALLOW', actions: ['servicestage:*:*'] },
        { effect: 'DENY', actions: ['servicestage:assembling:delete'] },
      ],
      [projectId],
    );
    attackers['no policy'] = await user(`nobody-${suffix}`, [], []);
    attackers['servicestage:*:* in another project'] = await user(
      `outsider-${suffix}`,
      [{ effect: 'ALLOW', actions: ['servicestage:*:*'] }],
      [projectB],
    );

    const upload = await must<{ createPackageUpload: { uploadUrl: string; package: { id: string } } }>(
      `mutation($n: String!, $e: ID!) { createPackageUpload(name: $n, version: "1.0.0", source: SWR, enterpriseProjectId: $e) { uploadUrl package { id } } }`,
      { n: `orders-${suffix}`, e: projectId },
      memberA.token,
    );
    await fetch(upload.createPackageUpload.uploadUrl, { method: 'PUT', body: buildExecutableJar('com.shop.Orders', 16 * 1024) });
    await must(
      `mutation($id: ID!) { completePackageUpload(id: $id) { status } }`,
      { id: upload.createPackageUpload.package.id },
      memberA.token,
    );
    // With OBS configured, registering an OBS package gets as far as the project check.
    await must(
      `mutation($e: String!) { configureObsCredentials(endpoint: $e, region: "r", accessKeyId: "S3RVER", secretAccessKey: "S3RVER") { endpoint } }`,
      { e: platform.s3.endpoint },
      admin,
    );
    const cluster = await must<{ registerCluster: { id: string } }>(
      `mutation($n: String!, $e: ID!) { registerCluster(name: $n, type: LOCAL, enterpriseProjectId: $e) { id } }`,
      { n: `local-${suffix}`, e: projectId },
      admin,
    );
    const images = (await must<{ baseImages: string[] }>(`{ baseImages(techStack: JAVA) }`, {}, admin)).baseImages;
    const base = images.find((image) => image.startsWith(platform.registry.host))!;
    const created = await must<{ createPackageJob: { job: { id: string }; build: { id: string } } }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input, build: true) { job { id } build { id } } }`,
      {
        input: {
          name: `orders-job-${suffix}`,
          enterpriseProjectId: projectId,
          packageId: upload.createPackageUpload.package.id,
          buildType: 'SYSTEM_DEFAULT',
          baseImage: base.slice(0, base.lastIndexOf(':')),
          baseImageTag: base.slice(base.lastIndexOf(':') + 1),
          imageClass: 'PRIVATE',
          archiveImage: `${platform.registry.host}/tenant-a/orders:1.0.0`,
          clusterId: cluster.registerCluster.id,
        },
      },
      memberA.token,
    );
    const buildId = created.createPackageJob.build.id;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { build } = await must<{ build: { finishedAt: string | null } }>(
        `query($id: ID!) { build(id: $id) { finishedAt } }`,
        { id: buildId },
        admin,
      );
      if (build.finishedAt) break;
      if (Date.now() > deadline) throw new Error('the build of project A did not end');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Project A's webhook (through GraphQL, as its member would): only for events no later step makes.
    const webhook = await must<{ createWebhook: { webhook: { id: string } } }>(
      `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }`,
      { input: { enterpriseProjectId: projectId, url: `https://hooks.example.com/tenant-a-${suffix}`, eventTypes: ['expired'] } },
      memberA.token,
    );
    a = {
      projectId,
      projectName,
      packageId: upload.createPackageUpload.package.id,
      clusterId: cluster.registerCluster.id,
      jobId: created.createPackageJob.job.id,
      buildId,
      webhookId: webhook.createWebhook.webhook.id,
      memberId: memberA.id,
      memberAccessKey: memberA.accessKey,
      policyId: memberA.policyId!,
      attachmentId: memberA.attachmentId!,
      accountId: (JSON.parse(Buffer.from(memberA.token.split('.')[1], 'base64url').toString()) as { acc: string }).acc,
    };
    markers = [
      projectId,
      projectName,
      a.packageId,
      `orders-${suffix}`,
      a.clusterId,
      `local-${suffix}`,
      a.jobId,
      `orders-job-${suffix}`,
      buildId,
      a.webhookId,
      `hooks.example.com/tenant-a-${suffix}`,
      memberA.id,
      `member-a-${suffix}`,
      a.policyId,
    ];
    // The build's events are relayed after it ends: let that settle before digests are compared.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }, 180_000);

  afterAll(async () => {
    for (const client of clients.values()) await client.connection.close();
    await database?.end();
    await platform?.close();
  });

  describe('every subject of the contracts declares who may call it', () => {
    it('the subject map, the senders table and the *Subjects objects name the same subjects', () => {
      expect([...REQUEST_SUBJECTS].sort()).toEqual(Object.keys(SUBJECT_SENDERS).sort());
      expect([...REQUEST_SUBJECTS].sort()).toEqual(Object.keys(PAYLOADS).sort());
    });

    it('every subject has a handler in the service that owns it, and every handler a declaration', () => {
      const missingHandler = REQUEST_SUBJECTS.filter((subject) => handlers.get(subject)?.service !== subjectOwner(subject));
      const undeclared = [...handlers].filter(([, handler]) => !handler.access).map(([subject]) => subject);
      expect({ missingHandler, undeclared }).toEqual({ missingHandler: [], undeclared: [] });
      expect(handlers.size).toBe(REQUEST_SUBJECTS.length);
    });

    it('every service-only handler names exactly the processes SUBJECT_SENDERS lets publish its subject', () => {
      const serviceOnly = [...handlers].filter(([, handler]) => handler.access?.kind === 'service');
      expect(serviceOnly.length).toBeGreaterThan(0);
      for (const [subject, { access }] of serviceOnly) {
        const declared = [...(access as { callers: readonly string[] }).callers].sort();
        expect({ subject, callers: declared }).toEqual({ subject, callers: [...SUBJECT_SENDERS[subject as Subject]].sort() });
      }
    });

    it('every user action is an action of the catalog', () => {
      for (const [subject, { access }] of handlers) {
        if (access?.kind !== 'user') continue;
        expect({ subject, action: access.action, known: !!findAction(access.action) }).toEqual({
          subject,
          action: access.action,
          known: true,
        });
      }
    });

    it('docs/permissions.md lists every subject with the declaration its handler carries', () => {
      const docs = readFileSync(join(__dirname, '../../docs/permissions.md'), 'utf8');
      const section = docs.slice(docs.indexOf('## Who may call each NATS subject'));
      const documented = [...section.matchAll(/^\|\s*`([a-z-]+\.[^`]+)`\s*\|\s*([a-z]+)\s*\|([^|]+)\|/gm)].map(
        ([, subject, service, declaration]) => ({ subject, service, declaration: declaration.trim() }),
      );
      const render = (access: RpcAccess | undefined): string => {
        if (access?.kind === 'user') return `user \`${access.action}\``;
        if (access?.kind === 'service') return `service-only: ${access.callers.map((caller) => `\`${caller}\``).join(', ')}`;
        return access?.kind ?? 'none';
      };
      expect(documented).toEqual(
        REQUEST_SUBJECTS.map((subject) => ({
          subject,
          service: handlers.get(subject)?.service,
          declaration: render(handlers.get(subject)?.access),
        })),
      );
    });

    it('the four handlers of the probe are service-only for the right callers', () => {
      expect(handlers.get(BuildsSubjects.deleteJobBuilds)?.access).toEqual({ kind: 'service', callers: ['jobs'] });
      expect(handlers.get(ClustersSubjects.buildTarget)?.access).toEqual({ kind: 'service', callers: ['builds'] });
      expect(handlers.get(JobsSubjects.usage)?.access).toEqual({ kind: 'service', callers: ['artifacts', 'clusters'] });
      expect(handlers.get(ArtifactsSubjects.downloadUrl)?.access).toEqual({ kind: 'service', callers: ['builds'] });
      expect(handlers.get(IamSubjects.getUsers)?.access).toEqual({ kind: 'user', action: 'servicestage:assembling:get' });
    });
  });

  describe("straight over NATS, an attacker gets none of project A's data and changes nothing", () => {
    it.each(REQUEST_SUBJECTS)('%s', async (subject) => {
      const before = await databaseDigest();
      const access = handlers.get(subject)!.access!;
      // Every process NATS lets publish the subject, and the operator, whom NATS lets publish anything.
      const senders: TestIdentity[] = [...SUBJECT_SENDERS[subject], TEST_OPERATOR];
      for (const [who, attacker] of Object.entries(attackers)) {
        for (const sender of senders) {
          const client = await clientAs(sender);
          const outcome = await outcomeOf(client.send(subject, PAYLOADS[subject](a) as never, { token: attacker.token }));
          const seen = { subject, who, sender, outcome };
          if (access.kind === 'service' && !access.callers.includes(sender as never)) {
            expect(seen).toMatchObject({ outcome: { ok: false, code: ErrorCode.FORBIDDEN } });
            expect((outcome as { message: string }).message).toContain(`${subject} is service-only`);
            continue;
          }
          if (!outcome.ok) {
            const refusals: string[] = [ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND];
            const logins: string[] = [
              IamSubjects.createAccessToken,
              IamSubjects.createSession,
              IamSubjects.refreshSession,
              IamSubjects.registryToken,
            ];
            if (logins.includes(subject)) refusals.push(ErrorCode.UNAUTHENTICATED);
            expect({ ...seen, refused: refusals.includes(outcome.code) }).toMatchObject({ refused: true });
            continue;
          }
          const text = JSON.stringify(outcome.data);
          expect({ ...seen, leaked: markers.filter((marker) => text.includes(marker)) }).toMatchObject({ leaked: [] });
        }
      }
      expect(await databaseDigest()).toEqual(before);
    });
  });

  describe('the attacks of the probe, now refused', () => {
    it('a user with no policy cannot delete another project’s build history and logs (builds.job.delete.v1)', async () => {
      const before = await history();
      expect(before.builds).toEqual([a.buildId]);
      expect(before.log.length).toBeGreaterThan(0);
      const nobody = attackers['no policy'].token;
      // The gateway's NATS identity may not even publish it: the server refuses.
      expect(
        await outcomeOf((await clientAs('gateway')).send(BuildsSubjects.deleteJobBuilds, { jobId: a.jobId }, { token: nobody })),
      ).toMatchObject({ ok: false });
      // A process NATS lets publish it, but that is not jobs: the handler refuses.
      expect(
        await outcomeOf(
          (await clientAs(TEST_OPERATOR)).send(BuildsSubjects.deleteJobBuilds, { jobId: a.jobId }, { token: nobody }),
        ),
      ).toEqual({
        ok: false,
        code: ErrorCode.FORBIDDEN,
        reason: 'FORBIDDEN',
        message: 'builds.job.delete.v1 is service-only: only jobs may send it, not an unidentified sender',
      });
      // Even sent by jobs, the user must hold the job's delete right in its project.
      expect(
        await outcomeOf((await clientAs('jobs')).send(BuildsSubjects.deleteJobBuilds, { jobId: a.jobId }, { token: nobody })),
      ).toMatchObject({ ok: false, code: ErrorCode.NOT_FOUND });
      expect(await history()).toEqual(before);
    });

    it('an explicit Deny of servicestage:assembling:delete keeps the build history', async () => {
      const before = await history();
      expect(
        await outcomeOf(
          (await clientAs('jobs')).send(BuildsSubjects.deleteJobBuilds, { jobId: a.jobId }, { token: denied.token }),
        ),
      ).toEqual({
        ok: false,
        code: ErrorCode.FORBIDDEN,
        reason: 'ACTION_DENIED',
        message: 'servicestage:assembling:delete is not allowed in this enterprise project',
      });
      expect(
        errorOf(await platform.gql(`mutation($id: ID!) { deletePackageJob(id: $id) }`, { id: a.jobId }, denied.token)).code,
      ).toBe('FORBIDDEN');
      expect(await history()).toEqual(before);
    });

    it("a project member cannot fetch a cluster's connection (clusters.build-target.v1 is for builds only)", async () => {
      const request = { clusterId: a.clusterId, labels: [] };
      // The NATS server lets no other Stagecraft process publish it.
      for (const sender of ['gateway', 'jobs', 'artifacts', 'clusters', 'iam'] as const) {
        const outcome = await outcomeOf(
          (await clientAs(sender)).send(ClustersSubjects.buildTarget, request, { token: member.token }),
        );
        expect({ sender, outcome }).toMatchObject({ sender, outcome: { ok: false, code: ErrorCode.UNAVAILABLE } });
      }
      // A process the server would let publish it, but that is not builds: the handler refuses.
      expect(
        await outcomeOf((await clientAs(TEST_OPERATOR)).send(ClustersSubjects.buildTarget, request, { token: member.token })),
      ).toEqual({
        ok: false,
        code: ErrorCode.FORBIDDEN,
        reason: 'FORBIDDEN',
        message: 'clusters.build-target.v1 is service-only: only builds may send it, not an unidentified sender',
      });
      // The builds service, for the same member, reaches the use case (a LOCAL cluster has no kubeconfig).
      expect(
        await outcomeOf((await clientAs('builds')).send(ClustersSubjects.buildTarget, request, { token: member.token })),
      ).toMatchObject({ ok: true, data: { cluster: { id: a.clusterId }, connection: null } });
    });

    it('iam.users.get.v1 answers a non-administrator only about themself, administrators and members of their projects', async () => {
      const gateway = await clientAs('gateway');
      const outsider = attackers['servicestage:*:* in another project'];
      const ids = [a.memberId, denied.id, outsider.id, platform.admin.userId];
      const names = async (token: string) =>
        ((await gateway.send(IamSubjects.getUsers, { ids }, { token })) as { id: string }[]).map((found) => found.id).sort();
      expect(await outcomeOf(gateway.send(IamSubjects.getUsers, { ids }, { token: attackers['no policy'].token }))).toEqual({
        ok: false,
        code: ErrorCode.FORBIDDEN,
        reason: 'FORBIDDEN',
        message: 'servicestage:assembling:get is allowed to you in no enterprise project',
      });
      expect(await names(outsider.token)).toEqual([outsider.id, platform.admin.userId].sort());
      expect(await names(member.token)).toEqual([a.memberId, denied.id, platform.admin.userId].sort());
      expect(await names(admin)).toEqual([...ids].sort());
    });

    it("jobs.usage.v1 counts only in the resource's project, for a user who may delete it there", async () => {
      const artifacts = await clientAs('artifacts');
      const outsider = attackers['servicestage:*:* in another project'].token;
      expect(
        await outcomeOf(
          artifacts.send(JobsSubjects.usage, { packageId: a.packageId, enterpriseProjectId: a.projectId }, { token: outsider }),
        ),
      ).toEqual({
        ok: false,
        code: ErrorCode.FORBIDDEN,
        reason: 'ACTION_DENIED',
        message: 'servicestage:package:delete is not allowed in this enterprise project',
      });
      // Named in their own project, project A's job that uses the package is not counted.
      expect(
        await artifacts.send(JobsSubjects.usage, { packageId: a.packageId, enterpriseProjectId: projectB }, { token: outsider }),
      ).toEqual({
        jobCount: 0,
      });
      expect(
        await artifacts.send(
          JobsSubjects.usage,
          { packageId: a.packageId, enterpriseProjectId: a.projectId },
          { token: member.token },
        ),
      ).toEqual({ jobCount: 1 });
      const clusters = await clientAs('clusters');
      expect(
        await clusters.send(
          JobsSubjects.usage,
          { clusterId: a.clusterId, enterpriseProjectId: a.projectId },
          { token: member.token },
        ),
      ).toEqual({ jobCount: 1 });
      expect(
        await outcomeOf(
          (await clientAs('gateway')).send(
            JobsSubjects.usage,
            { clusterId: a.clusterId, enterpriseProjectId: a.projectId },
            { token: member.token },
          ),
        ),
      ).toMatchObject({ ok: false });
    });

    it('sent by jobs for a member who may delete the job, the history does go (the refusals above are not the only answer)', async () => {
      expect(
        await (await clientAs('jobs')).send(BuildsSubjects.deleteJobBuilds, { jobId: a.jobId }, { token: member.token }),
      ).toEqual({
        deleted: 1,
      });
      const data = await must<{ builds: { edges: unknown[] } }>(
        `query($j: ID!) { builds(jobId: $j) { edges { cursor } } }`,
        { j: a.jobId },
        admin,
      );
      expect(data.builds.edges).toEqual([]);
    });
  });
});
