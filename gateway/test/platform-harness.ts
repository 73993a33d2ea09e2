import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INestApplication, INestMicroservice, LoggerService } from '@nestjs/common';
import { loadConfig } from '@stagecraft/config';
import {
  DEFAULT_REGISTRY_SERVICE,
  DEFAULT_REGISTRY_TOKEN_ISSUER,
  ensureRegistryTokenFiles,
  loadRegistryTokenKey,
  platformTokenSource,
  type RegistryTokenKey,
} from '@stagecraft/oci';
import { startSeededTestRegistry, type TestRegistry } from '@stagecraft/oci/testing';
import { SecretBox } from '@stagecraft/secrets';
import { ArtifactsConfig, startArtifacts } from '@stagecraft/service-artifacts';
import { BuildsConfig, startBuilds } from '@stagecraft/service-builds';
import { ClustersConfig, startClusters } from '@stagecraft/service-clusters';
import { IamConfig, startIam } from '@stagecraft/service-iam';
import { JobsConfig, startJobs } from '@stagecraft/service-jobs';
import {
  createTestDatabase,
  eventually,
  generateSigningKeyPem,
  startTestS3,
  testNatsSettings,
  type TestS3,
  testSubjectPrefix,
} from '@stagecraft/testing';

import { GatewayConfig } from '../src/config';
import { startGateway } from '../src/start-gateway';

/** Keeps every line the services log, so tests can check what never appears in them. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown, ...rest: unknown[]) {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
  error(message: unknown, ...rest: unknown[]) {
    this.log(message, ...rest);
    console.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.log(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.log(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.log(message, ...rest);
  }
}

const LOGIN = `mutation Login($a: String!, $s: String!) { createAccessToken(accessKey: $a, secretKey: $s) }`;

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; field?: string } & Record<string, unknown> }[];
}

/** The first error of a GraphQL answer: its code and field (what a client switches on). */
export function errorOf(response: GraphQLResponse): { code: unknown; field: unknown } {
  const [error] = response.errors ?? [];
  return { code: error?.extensions?.code, field: error?.extensions?.field };
}

/** errorOf, and the message a person reads. */
export function errorWithMessageOf(response: GraphQLResponse): { code: unknown; field: unknown; message: string | undefined } {
  return { ...errorOf(response), message: response.errors?.[0]?.message };
}

/** A PackageJobInput's own fields: the rest have defaults, and any of these may override a default. */
export interface PackageJobFields extends Record<string, unknown> {
  name: string;
  packageId: string;
  archiveImage: string;
  clusterId: string;
}

/** A PackageJobInput built as most tests build: SYSTEM_DEFAULT on eclipse-temurin:17-jre, into a PRIVATE image. */
export function packageJobInput(fields: PackageJobFields): Record<string, unknown> {
  return { buildType: 'SYSTEM_DEFAULT', baseImage: 'eclipse-temurin', baseImageTag: '17-jre', imageClass: 'PRIVATE', ...fields };
}

/** A `repository:tag` reference as a PackageJobInput's baseImage and baseImageTag. */
export function baseImageFields(reference: string): { baseImage: string; baseImageTag: string } {
  const tagAt = reference.lastIndexOf(':');
  return { baseImage: reference.slice(0, tagAt), baseImageTag: reference.slice(tagAt + 1) };
}

const BUILD_ENDS = ['SUCCEEDED', 'FAILED', 'ERROR', 'TIMED_OUT', 'CANCELLED', 'EXPIRED'];

export interface Platform {
  url: string;
  subjectPrefix: string;
  /** The iam signing key, so tests can forge tokens (expired ones, say). */
  signingKeyPem: string;
  /** The registry token key: tests sign registry tokens with it (expired ones, say). */
  registryTokenKey: RegistryTokenKey;
  admin: { userId: string; accessKey: string; secretKey: string };
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GraphQLResponse<T>>;
  /** Logs the bootstrap administrator in. */
  adminToken(): Promise<string>;
  /** A new user holding one policy of `actions`, attached in `projectIds` (null: every project); returns a token. */
  userWith(admin: string, name: string, actions: string[], projectIds: string[] | null): Promise<{ id: string; token: string }>;
  /** A new user with a policy of these statements (none: no policy at all) attached in `projectIds`, an access key and a token. */
  userWithStatements(
    admin: string,
    name: string,
    statements: { effect: 'ALLOW' | 'DENY'; actions: string[] }[],
    projectIds: string[] | null,
  ): Promise<{ id: string; token: string; accessKey: string; secretKey: string; policyId?: string; attachmentId?: string }>;
  createProject(admin: string, name: string): Promise<string>;
  /** Uploads `bytes` as an SWR package and completes it; returns its id. */
  uploadPackage(token: string, name: string, version: string, bytes: Buffer): Promise<string>;
  /** Starts a build of the job and answers `fields` of it once it has ended (or as last read after 60 s). */
  buildToEnd<T extends { status: string }>(token: string, jobId: string, fields: string): Promise<T>;
  iam: INestMicroservice;
  artifacts: INestMicroservice;
  clusters: INestMicroservice;
  jobs: INestMicroservice;
  builds: INestMicroservice;
  /** A real docker-registry holding the demo base images the jobs catalog points at. */
  registry: TestRegistry;
  gateway: INestApplication;
  s3: TestS3;
  /** Every line any service or the gateway logged. */
  logs: string[];
  /** The database every service keeps its schema in. */
  databaseUrl: string;
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** The registry takes tokens from the gateway's /registry/token, and builds push with credentials from iam. */
  registryTokenAuth?: boolean;
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Every service and the gateway in this process, on a fresh database and a subject prefix of their own. */
export async function startPlatform(
  gatewayEnv: Record<string, string> = {},
  artifactsEnv: Record<string, string> = {},
  buildsEnv: Record<string, string> = {},
  clustersEnv: Record<string, string> = {},
  options: PlatformOptions = {},
): Promise<Platform> {
  const database = await createTestDatabase('e2e');
  const prefix = testSubjectPrefix();
  const folder = mkdtempSync(join(tmpdir(), 'stagecraft-e2e-'));
  const credentialsFile = join(folder, 'admin.json');
  const logger = new CapturingLogger();
  const signingKeyPem = generateSigningKeyPem();
  // iam always issues registry tokens; the registry asks for them only with `registryTokenAuth`,
  // its realm being the gateway's /registry/token on a port chosen now.
  const tokenFiles = ensureRegistryTokenFiles(join(folder, 'registry-token'));
  const registryTokenKey = loadRegistryTokenKey(
    readFileSync(tokenFiles.keyFile, 'utf8'),
    readFileSync(tokenFiles.certificateFile, 'utf8'),
  );
  const gatewayPort = options.registryTokenAuth ? await freeLoopbackPort() : 0;
  const { registry, images } = await startSeededTestRegistry(
    options.registryTokenAuth
      ? {
          tokenAuth: {
            realm: `http://127.0.0.1:${gatewayPort}/registry/token`,
            service: DEFAULT_REGISTRY_SERVICE,
            issuer: DEFAULT_REGISTRY_TOKEN_ISSUER,
            certificateFile: tokenFiles.certificateFile,
          },
          tokenSource: platformTokenSource(registryTokenKey, {
            issuer: DEFAULT_REGISTRY_TOKEN_ISSUER,
            service: DEFAULT_REGISTRY_SERVICE,
            subject: 'platform',
          }),
        }
      : {},
  );
  const iam = await startIam(
    loadConfig(IamConfig, {
      DATABASE_URL: database.url,
      ...testNatsSettings('iam', prefix),
      IAM_SIGNING_KEY: signingKeyPem,
      IAM_BOOTSTRAP_CREDENTIALS_FILE: credentialsFile,
      REGISTRY_TOKEN_KEY_FILE: tokenFiles.keyFile,
      REGISTRY_TOKEN_CERTIFICATE_FILE: tokenFiles.certificateFile,
      REGISTRY_HOST: registry.host,
      REGISTRY_PLATFORM_REPOSITORIES: [...new Set(images.map((image) => image.repository))].join(','),
    }),
    logger,
  );
  // As the embedded default of `npm start`: a store that verifies declared checksums.
  const s3 = await startTestS3({ verifyChecksums: true });
  const artifacts = await startArtifacts(
    loadConfig(ArtifactsConfig, {
      DATABASE_URL: database.url,
      ...testNatsSettings('artifacts', prefix),
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      SECRETS_KEY: SecretBox.generateKey(),
      // The test S3 (s3rver) listens on 127.0.0.1: allowed explicitly (docs/security.md#egress).
      EGRESS_ALLOWED_CIDRS: '127.0.0.1/32',
      ...artifactsEnv,
    }),
    logger,
  );
  const clusters = await startClusters(
    loadConfig(ClustersConfig, {
      DATABASE_URL: database.url,
      ...testNatsSettings('clusters', prefix),
      SECRETS_KEY: SecretBox.generateKey(),
      LOCAL_NODE_NAME: 'local-builder',
      KUBE_CONNECT_TIMEOUT_MS: '3000',
      KUBE_WATCH_BACKOFF_MAX_MS: '1000',
      // The fake Kubernetes API listens on 127.0.0.1: allowed explicitly (docs/security.md#egress).
      EGRESS_ALLOWED_CIDRS: '127.0.0.1/32',
      ...clustersEnv,
    }),
    logger,
  );
  const catalog: Record<string, string[]> = { JAVA: ['eclipse-temurin:17-jre', 'eclipse-temurin:21-jre'] };
  for (const image of images) (catalog[image.stack] ??= []).push(`${registry.host}/${image.repository}:${image.tag}`);
  const jobs = await startJobs(
    loadConfig(JobsConfig, {
      DATABASE_URL: database.url,
      ...testNatsSettings('jobs', prefix),
      BASE_IMAGE_CATALOG: JSON.stringify(catalog),
    }),
    logger,
  );
  const builds = await startBuilds(
    loadConfig(BuildsConfig, {
      DATABASE_URL: database.url,
      ...testNatsSettings('builds', prefix),
      BUILD_SCHEDULER_INTERVAL_MS: '200',
      SECRETS_KEY: SecretBox.generateKey(),
      // The fake Kubernetes API, the test S3 and docker-registry listen on 127.0.0.1 (docs/security.md#egress).
      EGRESS_ALLOWED_CIDRS: '127.0.0.1/32',
      ...(options.registryTokenAuth && { REGISTRY_TOKEN_HOSTS: registry.host }),
      ...buildsEnv,
    }),
    logger,
  );
  const gateway = await startGateway(
    loadConfig(GatewayConfig, {
      ...testNatsSettings('gateway', prefix),
      HOST: '127.0.0.1',
      PORT: String(gatewayPort),
      NODE_ENV: 'test',
      SERVICES: 'iam,artifacts,clusters,jobs,builds',
      ...gatewayEnv,
    }),
    logger,
  );
  const url = (await gateway.getUrl()).replace('[::1]', '127.0.0.1');
  const gql: Platform['gql'] = async (query, variables, token) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<never>;
  };
  const must = async <T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> => {
    const response = await gql<T>(query, variables, token);
    if (response.errors?.length || !response.data) throw new Error(`GraphQL failed: ${JSON.stringify(response.errors)}`);
    return response.data;
  };
  const login = async (accessKey: string, secretKey: string) =>
    (await must<{ createAccessToken: string }>(LOGIN, { a: accessKey, s: secretKey })).createAccessToken;
  const admin = JSON.parse(readFileSync(credentialsFile, 'utf8'));
  const userWithStatements: Platform['userWithStatements'] = async (adminToken, name, statements, projectIds) => {
    const { createUser } = await must<{ createUser: { id: string } }>(
      `mutation($n: String!) { createUser(name: $n) { id } }`,
      { n: name },
      adminToken,
    );
    let policyId: string | undefined;
    let attachmentId: string | undefined;
    if (statements.length > 0) {
      policyId = (
        await must<{ createPolicy: { id: string } }>(
          `mutation($n: String!, $s: [PolicyStatementInput!]!) { createPolicy(name: $n, statements: $s) { id } }`,
          { n: `${name}-policy`, s: statements },
          adminToken,
        )
      ).createPolicy.id;
      attachmentId = (
        await must<{ attachPolicy: { id: string } }>(
          `mutation($p: ID!, $u: ID!, $e: [ID!]) { attachPolicy(policyId: $p, userId: $u, enterpriseProjectIds: $e) { id } }`,
          { p: policyId, u: createUser.id, e: projectIds },
          adminToken,
        )
      ).attachPolicy.id;
    }
    const { createAccessKey } = await must<{ createAccessKey: { accessKey: string; secretKey: string } }>(
      `mutation($u: ID!) { createAccessKey(userId: $u) }`,
      { u: createUser.id },
      adminToken,
    );
    const token = await login(createAccessKey.accessKey, createAccessKey.secretKey);
    return { id: createUser.id, token, ...createAccessKey, policyId, attachmentId };
  };
  return {
    url,
    gql,
    adminToken: () => login(admin.accessKey, admin.secretKey),
    async uploadPackage(token, name, version, bytes) {
      const { createPackageUpload } = await must<{ createPackageUpload: { uploadUrl: string; package: { id: string } } }>(
        `mutation($n: String!, $v: String!) { createPackageUpload(name: $n, version: $v, source: SWR) { uploadUrl package { id } } }`,
        { n: name, v: version },
        token,
      );
      await fetch(createPackageUpload.uploadUrl, { method: 'PUT', body: bytes });
      await must(
        `mutation($id: ID!) { completePackageUpload(id: $id) { status } }`,
        { id: createPackageUpload.package.id },
        token,
      );
      return createPackageUpload.package.id;
    },
    async buildToEnd<T extends { status: string }>(token: string, jobId: string, fields: string) {
      const { startBuild } = await must<{ startBuild: { id: string } }>(
        `mutation($j: ID!) { startBuild(jobId: $j) { id } }`,
        { j: jobId },
        token,
      );
      return eventually(
        async () =>
          (await must<{ build: T }>(`query($id: ID!) { build(id: $id) { ${fields} } }`, { id: startBuild.id }, token)).build,
        (build) => BUILD_ENDS.includes(build.status),
        { timeoutMs: 60_000, intervalMs: 200 },
      );
    },
    async createProject(adminToken, name) {
      return (
        await must<{ createEnterpriseProject: { id: string } }>(
          `mutation($n: String!) { createEnterpriseProject(name: $n) { id } }`,
          { n: name },
          adminToken,
        )
      ).createEnterpriseProject.id;
    },
    async userWith(adminToken, name, actions, projectIds) {
      const { id, token } = await userWithStatements(adminToken, name, [{ effect: 'ALLOW', actions }], projectIds);
      return { id, token };
    },
    userWithStatements,
    subjectPrefix: prefix,
    signingKeyPem,
    registryTokenKey,
    admin,
    iam,
    artifacts,
    clusters,
    jobs,
    builds,
    registry,
    gateway,
    s3,
    databaseUrl: database.url,
    logs: logger.lines,
    async close() {
      await gateway.close();
      await builds.close();
      await jobs.close();
      await registry.stop();
      await clusters.close();
      await artifacts.close();
      await iam.close();
      await s3.close();
      await database.drop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
