import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { ProcessIdentity } from '@stagecraft/contracts';
import {
  DEFAULT_REGISTRY_SERVICE,
  DEFAULT_REGISTRY_TOKEN_ISSUER,
  ensureRegistryTokenFiles,
} from '@stagecraft/oci/registry-token';

import { startBaseImageSeeder } from './base-image-seeder';
import type { ChildReaper } from './child-reaper';
import type { LauncherConfig } from './config';
import { ensurePrivateDataDir } from './data-dir';
import { startEmbeddedPostgres } from './embedded-postgres';
import { startEmbeddedS3 } from './embedded-s3';
import { waitFor } from './free-port';
import { ensureAttestationKey, ensureSecretsKey, ensureSigningKey } from './keys';
import { claimDataDir } from './launcher-lock';
import { localHttp } from './local-http';
import { startLocalRegistry } from './local-registry';
import { withObservabilityPorts } from './metrics-targets';
import { ensureNatsIdentities, writeNatsAuthorization } from './nats-identities';
import { startNatsServer } from './nats-server';
import type { ShutdownList } from './shutdown-list';
import { type ProcessSpec, Supervisor } from './supervisor';

/** The compiled workspace: dist/, two folders above this file's folder's parent. */
const DIST = resolve(__dirname, '..', '..', '..');

/**
 * What the embedded default lets the artifacts and builds services reach that the egress policy
 * otherwise refuses: its own S3 and registry on 127.0.0.1. The clusters service keeps the strict
 * policy (no kubeconfig may aim at this machine's ports).
 */
export const LOCAL_EGRESS_ALLOWED_CIDRS = '127.0.0.1/32';

/**
 * The egress allow-list of the artifacts and builds services: the launcher's own, and what the
 * user adds with EGRESS_ALLOWED_CIDRS (which reaches the clusters service alone, as set).
 */
function localEgressAllowedCidrs(): string {
  return [LOCAL_EGRESS_ALLOWED_CIDRS, process.env['EGRESS_ALLOWED_CIDRS']].filter(Boolean).join(',');
}

/**
 * Postgres connections for five services of `replicas` copies each: every copy's pool
 * (DATABASE_POOL_SIZE, 10 unless set) and the few it holds of its own (LISTEN, advisory locks),
 * with room for a psql; never below Postgres' own default of 100.
 */
export function postgresConnectionsFor(replicas: number, poolSize = Number(process.env['DATABASE_POOL_SIZE']) || 10): number {
  return Math.max(100, 5 * replicas * (poolSize + 6) + 20);
}

export interface RunningPlatform {
  graphqlUrl: string;
  /** The web console, on the gateway's origin. */
  consoleUrl: string;
  adminToken: string;
  credentialsFile: string;
  dataDir: string;
  logDir: string;
  /** `host:port` of the embedded registry. */
  registry: string;
  /** Where every process serves /metrics, /healthz and /readyz: a Prometheus file_sd list. */
  metricsTargetsFile: string;
}

/**
 * Starts Postgres and NATS (unless given), iam and the gateway, and logs the admin in. Each
 * part is added to `shutdown` as soon as it runs, so an interrupted start leaves nothing behind.
 */
export async function startPlatform(
  config: LauncherConfig,
  shutdown: ShutdownList,
  reaper: ChildReaper,
): Promise<RunningPlatform> {
  const dataDir = resolve(config.STAGECRAFT_DATA_DIR);
  const logDir = join(dataDir, 'logs');
  ensurePrivateDataDir(dataDir);
  const releaseDataDir = claimDataDir(dataDir);
  shutdown.add(async () => releaseDataDir());
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const keyFile = join(dataDir, 'keys', 'iam-signing-key.pem');
  const credentialsFile = join(dataDir, 'admin-credentials.json');
  ensureSigningKey(keyFile);
  const attestationKeyFile = join(dataDir, 'keys', 'attestation-key.pem');
  if (config.STAGECRAFT_ATTESTATIONS) ensureAttestationKey(attestationKeyFile);

  // The base images are built (first start) or read from the user's cache while the rest starts.
  const seeder = startBaseImageSeeder();
  shutdown.add(seeder.stop);
  reaper.watch(seeder.pid);
  void seeder.ended.then(() => reaper.forget(seeder.pid));

  // Each process connects as its own NATS user; the server configuration is written even when
  // NATS_URL names another server, whose operator includes it (docs/security.md).
  const natsFolder = join(dataDir, 'keys', 'nats');
  const natsIdentities = ensureNatsIdentities(natsFolder);
  const authorization = writeNatsAuthorization(natsFolder, natsIdentities, '');
  const secretsKey = ensureSecretsKey(join(dataDir, 'keys', 'secrets.key'));
  const base = `http://${config.STAGECRAFT_HOST === '0.0.0.0' ? '127.0.0.1' : config.STAGECRAFT_HOST}:${config.STAGECRAFT_PORT}`;

  // Postgres, NATS, S3 and the registry need nothing of each other: they start side by side (a
  // second off every start). Each is on the shutdown list as soon as it runs, and all four have
  // settled before a failure is thrown (the first in this order: a missing nats-server is named
  // before a missing openssl, as when they started one by one), so none is left running unlisted.
  const [databaseUrl, natsUrl, s3, { registry, tokenFiles }] = await allStarted([
    (async () => {
      if (config.DATABASE_URL) return config.DATABASE_URL;
      const postgres = await startEmbeddedPostgres(dataDir, {
        maxConnections: postgresConnectionsFor(config.STAGECRAFT_REPLICAS),
      });
      shutdown.add(postgres.stop);
      reaper.watch(postgres.pid);
      return postgres.url;
    })(),
    (async () => {
      if (config.NATS_URL) return config.NATS_URL;
      const nats = await startNatsServer(dataDir, logDir, authorization);
      shutdown.add(nats.stop);
      reaper.watch(nats.pid);
      return nats.url;
    })(),
    (async () => {
      const s3 = await startEmbeddedS3(dataDir);
      shutdown.add(s3.stop);
      return s3;
    })(),
    (async () => {
      // The registry takes tokens from the gateway's /registry/token, which iam signs (docs/registry.md).
      const tokenFiles = ensureRegistryTokenFiles(join(dataDir, 'keys'));
      const registryAuth = {
        realm: `${base}/registry/token`,
        // iam's defaults: it signs for this service, as this issuer.
        service: DEFAULT_REGISTRY_SERVICE,
        issuer: DEFAULT_REGISTRY_TOKEN_ISSUER,
        certificateFile: tokenFiles.certificateFile,
        keyFile: tokenFiles.keyFile,
      };
      const started = await startLocalRegistry(dataDir, logDir, seeder, registryAuth);
      shutdown.add(started.stop);
      reaper.watch(started.pid);
      return { registry: started, tokenFiles };
    })(),
  ] as const);
  // The embedded catalog: the base images in the local registry, every one pushed before the
  // endpoint is printed (docs/base-images.md).
  const catalog: Record<string, string[]> = {};
  for (const image of registry.images) (catalog[image.stack] ??= []).push(image.reference);

  // Every process gets the user's environment under the launcher's own settings, so any setting a
  // service reads can be given to `npm start` (README); NODE_EXTRA_CA_CERTS among them: a machine
  // behind a TLS-inspecting proxy trusts its CA, and so do the services. Two malloc arenas unless
  // the user says otherwise: glibc's default (8 per core) kept ~2 MiB per process of freed memory
  // (docs/benchmarks.md, platform-start); Node's own allocations are not contended enough to miss them.
  const common = {
    MALLOC_ARENA_MAX: '2',
    ...process.env,
    NATS_URL: natsUrl,
    LOG_LEVEL: 'log',
  };
  const natsKey = (identity: ProcessIdentity) => ({ NATS_NKEY_SEED_FILE: natsIdentities[identity].seedFile });
  const replicas = config.STAGECRAFT_REPLICAS;
  const processes: ProcessSpec[] = [
    {
      name: 'iam',
      replicas,
      entry: join(DIST, 'services', 'iam', 'src', 'main.js'),
      env: {
        ...common,
        ...natsKey('iam'),
        DATABASE_URL: databaseUrl,
        IAM_SIGNING_KEY_FILE: keyFile,
        IAM_BOOTSTRAP_CREDENTIALS_FILE: credentialsFile,
        IAM_TOKEN_TTL_SECONDS: String(12 * 3600),
        REGISTRY_TOKEN_KEY_FILE: tokenFiles.keyFile,
        REGISTRY_TOKEN_CERTIFICATE_FILE: tokenFiles.certificateFile,
        REGISTRY_HOST: registry.host,
        // The base images: PUBLIC, and no build may push over them.
        REGISTRY_PLATFORM_REPOSITORIES: [...new Set(registry.images.map((image) => image.repository))].join(','),
      },
    },
    {
      name: 'artifacts',
      replicas,
      entry: join(DIST, 'services', 'artifacts', 'src', 'main.js'),
      env: {
        ...common,
        ...natsKey('artifacts'),
        DATABASE_URL: databaseUrl,
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        SECRETS_KEY: secretsKey,
        // The embedded S3 listens on 127.0.0.1; nothing else on loopback or private (docs/security.md#egress).
        EGRESS_ALLOWED_CIDRS: localEgressAllowedCidrs(),
      },
    },
    {
      name: 'clusters',
      replicas,
      entry: join(DIST, 'services', 'clusters', 'src', 'main.js'),
      env: { ...common, ...natsKey('clusters'), DATABASE_URL: databaseUrl, SECRETS_KEY: secretsKey },
    },
    {
      name: 'jobs',
      replicas,
      entry: join(DIST, 'services', 'jobs', 'src', 'main.js'),
      env: { ...common, ...natsKey('jobs'), DATABASE_URL: databaseUrl, BASE_IMAGE_CATALOG: JSON.stringify(catalog) },
    },
    {
      name: 'builds',
      replicas,
      entry: join(DIST, 'services', 'builds', 'src', 'main.js'),
      env: {
        ...common,
        ...natsKey('builds'),
        DATABASE_URL: databaseUrl,
        SECRETS_KEY: secretsKey,
        // The embedded registry and S3 listen on 127.0.0.1 (docs/security.md#egress).
        EGRESS_ALLOWED_CIDRS: localEgressAllowedCidrs(),
        // Builds push there with a credential of their own from iam.
        REGISTRY_TOKEN_HOSTS: registry.host,
        // Dependency layers by lockfile; they name images of this data folder's registry.
        BUILD_CACHE_DIR: join(dataDir, 'build-cache'),
        // Every succeeded build's SBOM and provenance are signed with it (docs/attestations.md).
        ...(config.STAGECRAFT_ATTESTATIONS && { ATTESTATION_SIGNING_KEY_FILE: attestationKeyFile }),
        // The machine's extra CAs for dependency installs too: their npm or pip talks TLS to the registry itself.
        ...(process.env['NODE_EXTRA_CA_CERTS'] && { BUILD_CA_BUNDLE: process.env['NODE_EXTRA_CA_CERTS'] }),
      },
    },
    {
      name: 'gateway',
      // It owns the port users call; a second one could not bind it.
      replicas: 1,
      entry: join(DIST, 'gateway', 'src', 'main.js'),
      env: {
        ...common,
        ...natsKey('gateway'),
        HOST: config.STAGECRAFT_HOST,
        PORT: String(config.STAGECRAFT_PORT),
        NODE_ENV: 'development',
        SERVICES: 'iam,artifacts,clusters,jobs,builds',
        // The web console `npm run build` made (console/, docs/console.md).
        CONSOLE_DIR: join(DIST, 'console'),
      },
    },
  ];
  // Until the platform answers, an exit fails the start (below) rather than being restarted and reported.
  let healthy = false;
  // Each process's own /metrics, /healthz and /readyz, listed for a local Prometheus (docs/observability.md).
  const metricsTargetsFile = join(dataDir, 'prometheus-targets.json');
  const supervisor = new Supervisor(await withObservabilityPorts(processes, metricsTargetsFile), logDir, {
    started: (pid) => reaper.watch(pid),
    ended: (pid) => reaper.forget(pid),
    crashed: (exit, restart) => {
      if (!shutdown.stopping && healthy) console.error(`${exit}\n${restart}`);
    },
  });
  shutdown.add(() => supervisor.stop());

  await Promise.race([
    waitFor(
      async () => {
        const { status } = await localHttp(`${base}/health`);
        return status >= 200 && status < 300;
      },
      60_000,
      `the platform did not become healthy; logs are in ${logDir}`,
    ),
    supervisor.firstExit.then((message) => Promise.reject(new Error(message))),
  ]);
  healthy = true;

  const adminToken = await login(`${base}/graphql`, credentialsFile);
  await ensureLocalCluster(`${base}/graphql`, adminToken);
  return {
    graphqlUrl: `${base}/graphql`,
    consoleUrl: `${base}/`,
    adminToken,
    credentialsFile,
    dataDir,
    logDir,
    registry: registry.host,
    metricsTargetsFile,
  };
}

async function login(graphqlUrl: string, credentialsFile: string): Promise<string> {
  const { accessKey, secretKey } = JSON.parse(readFileSync(credentialsFile, 'utf8')) as { accessKey: string; secretKey: string };
  const data = await graphql<{ createAccessToken: string }>(
    graphqlUrl,
    'mutation Login($a: String!, $s: String!) { createAccessToken(accessKey: $a, secretKey: $s) }',
    { a: accessKey, s: secretKey },
  );
  return data.createAccessToken;
}

/** On first start, this machine becomes the LOCAL cluster `local` of the default project. */
async function ensureLocalCluster(graphqlUrl: string, token: string): Promise<void> {
  const { clusters } = await graphql<{ clusters: { edges: { node: { type: string } }[] } }>(
    graphqlUrl,
    '{ clusters(first: 100) { edges { node { type } } } }',
    {},
    token,
  );
  if (clusters.edges.some((edge) => edge.node.type === 'LOCAL')) return;
  await graphql(graphqlUrl, 'mutation { registerCluster(name: "local", type: LOCAL) { id } }', {}, token);
}

async function graphql<T>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const response = await localHttp(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = JSON.parse(response.body) as { data?: T; errors?: { message: string }[] };
  if (!body.data || body.errors?.length)
    throw new Error(`the platform refused a setup call: ${body.errors?.[0]?.message ?? `HTTP ${response.status}`}`);
  return body.data;
}

/** Awaits every start, then throws the first failure: by then each part that did start is on the shutdown list. */
async function allStarted<T extends readonly unknown[]>(starts: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
