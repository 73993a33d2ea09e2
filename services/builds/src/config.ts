import { homedir } from 'node:os';
import { join } from 'node:path';

import { commaList, IsEgressCidrList } from '@stagecraft/config';
import { DEFAULT_NPM_REGISTRY, DEFAULT_PIP_INDEX_URL } from '@stagecraft/oci';
import { ServiceConfig } from '@stagecraft/service';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

/** A Kubernetes resource quantity: 500m, 2, 1.5, 512Mi, 2Gi. */
const QUANTITY = /^\d+(\.\d+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/;
/**
 * An absolute http(s) URL with a host, no white space and no user or password: the install (and so
 * the tenant's base image, which runs it) sees this URL, so it must not carry a credential.
 */
const HTTP_URL = /^https?:\/\/[^\s/?#@]+(\/\S*)?$/;

/** The builds service's environment. Each property is named as the variable it reads. */
export class BuildsConfig extends ServiceConfig {
  override DATABASE_SCHEMA = 'builds';
  /** Builds running at once on one cluster; the rest wait QUEUED. */
  @IsInt() @Min(1) @Max(100) BUILD_CONCURRENCY_PER_CLUSTER = 2;
  /** A build still QUEUED after this long ends EXPIRED. */
  @IsInt() @Min(1) BUILD_QUEUE_TIMEOUT_SECONDS = 1800;
  /** A build running longer than this ends TIMED_OUT. */
  @IsInt() @Min(1) BUILD_DEADLINE_SECONDS = 3600;
  /**
   * Finished build history kept per job (docs/package-jobs.md#build-history): the newest this many
   * SUCCEEDED builds, and of its other ends; 0 keeps all of them.
   */
  @IsInt() @Min(0) BUILD_HISTORY_KEEP_SUCCEEDED = 50;
  @IsInt() @Min(0) BUILD_HISTORY_KEEP_FAILED = 50;
  /** Finished builds older than this many days go as well, whatever the counts say; 0: no age limit. */
  @IsInt() @Min(0) BUILD_HISTORY_MAX_AGE_DAYS = 0;
  /**
   * Whether pruning a build deletes the image it pushed (unless a kept build pushed the same
   * digest); jobs and projects may say otherwise (docs/package-jobs.md#build-history).
   */
  @IsBoolean() BUILD_HISTORY_DELETE_IMAGES = false;
  /** How often build history is pruned. */
  @IsInt() @Min(1) BUILD_HISTORY_PRUNE_INTERVAL_SECONDS = 300;
  /** How often the base images of succeeded builds are checked for a new digest (docs/package-jobs.md#base-image-changes); 0 disables it. */
  @IsInt() @Min(0) BASE_IMAGE_POLL_SECONDS = 300;

  // Webhooks (docs/webhooks.md#retries).
  /** Attempts per delivery, the first included; after the last failed one the delivery is FAILED. */
  @IsInt() @Min(1) @Max(50) WEBHOOK_MAX_ATTEMPTS = 10;
  /** The wait after the first failed attempt; it doubles after each further one… */
  @IsInt() @Min(10) WEBHOOK_BACKOFF_INITIAL_MS = 10_000;
  /** …up to this. */
  @IsInt() @Min(10) WEBHOOK_BACKOFF_MAX_MS = 3_600_000;
  /** How long one attempt waits for the receiver's answer. */
  @IsInt() @Min(100) @Max(60_000) WEBHOOK_TIMEOUT_MS = 10_000;
  /** How often due deliveries are looked for (a new event also wakes the dispatcher). */
  @IsInt() @Min(10) WEBHOOK_DISPATCH_INTERVAL_MS = 1000;
  /** Deliveries kept per webhook for its log; older finished ones are removed. */
  @IsInt() @Min(1) @Max(1000) WEBHOOK_DELIVERY_HISTORY = 100;
  /** Webhooks per enterprise project. */
  @IsInt() @Min(1) @Max(1000) WEBHOOKS_PER_PROJECT = 20;
  /** How often the queue is looked at (a start or an end also wakes it). */
  @IsInt() @Min(50) BUILD_SCHEDULER_INTERVAL_MS = 1000;
  /**
   * How long a replica's claim on a scheduled build lasts unless renewed (every scheduler tick):
   * after it runs out (the replica died), another replica takes the build over.
   */
  @IsInt() @Min(2) @Max(600) BUILD_LEASE_SECONDS = 30;
  /** Registry credentials for pushing and pulling, as JSON: {"host:port": {"username": "…", "password": "…"}}. */
  @IsOptional() @IsString() REGISTRY_CREDENTIALS?: string;
  /**
   * Registries (`host:port`, comma-separated) whose tokens iam issues (docs/registry.md): a build
   * that pushes there asks iam for a push credential of its own, naming its one repository and
   * ending with its deadline, instead of using REGISTRY_CREDENTIALS. `npm start` names its own.
   */
  @IsString() REGISTRY_TOKEN_HOSTS = '';
  /** The platform picked from multi-platform base images. */
  @IsString() @Matches(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/) BUILD_PLATFORM = 'linux/amd64';
  /**
   * The unprivileged user that runs CUSTOM_DOCKERFILE builds on a LOCAL cluster (rootless buildah;
   * created with `useradd --create-home` when missing). Never root.
   */
  @IsString() @Matches(/^[a-z_][a-z0-9_-]{0,30}$/) BUILD_USER = 'stagecraft-build';
  /** Parent of the folders of LOCAL Dockerfile builds (root-owned, 0711); `<tmpdir>/stagecraft-builds` when unset. */
  @IsOptional() @IsString() @Matches(/^\//, { message: 'must be an absolute path' }) BUILD_WORKDIR?: string;
  /**
   * DANGEROUS. Where Dockerfile steps cannot be sealed off (not root, no unshare/newuidmap, user
   * namespaces refused), run LOCAL Dockerfile builds anyway, as this process on the host's network:
   * any user who may build on a LOCAL cluster then runs code with the builds service's rights.
   * Off: such builds end FAILED with SANDBOX_UNAVAILABLE.
   */
  @IsBoolean() LOCAL_DOCKERFILE_UNSEALED = false;
  /**
   * The npm registry and the pip index that dependency installs use (NPM_CONFIG_REGISTRY and
   * PIP_INDEX_URL inside the build): a mirror's URL, or the public ones. An install reaches this
   * registry and nothing else (docs/package-jobs.md#dependencies).
   */
  @Matches(HTTP_URL, { message: 'BUILD_NPM_REGISTRY must be an http(s) URL without a user or password' }) BUILD_NPM_REGISTRY =
    DEFAULT_NPM_REGISTRY;
  @Matches(HTTP_URL, { message: 'BUILD_PIP_INDEX_URL must be an http(s) URL without a user or password' }) BUILD_PIP_INDEX_URL =
    DEFAULT_PIP_INDEX_URL;
  /**
   * Where LOCAL builds keep finished dependency layers by key (`<dir>/dependency-layers/`), so a build
   * with the same lockfile installs nothing; `$XDG_CACHE_HOME/stagecraft/builds` (or
   * `~/.cache/stagecraft/builds`) when unset. `npm start` puts it in the data folder.
   */
  @IsOptional() @IsString() @Matches(/^\//, { message: 'must be an absolute path' }) BUILD_CACHE_DIR?: string;
  /**
   * A PEM file of CA certificates that dependency installs trust besides their base image's (a
   * registry mirror with a private CA, a TLS-inspecting proxy): npm gets it as NODE_EXTRA_CA_CERTS,
   * pip as PIP_CERT (so it should hold the public CAs too, as the system bundle does).
   */
  @IsOptional() @IsString() @Matches(/^\//, { message: 'must be an absolute path' }) BUILD_CA_BUNDLE?: string;
  /** AES-256-GCM key (32 bytes, base64) sealing the kubeconfigs of clusters that builds run on; needed for Kubernetes builds. */
  @IsOptional() @IsString() @MinLength(44) SECRETS_KEY?: string;
  /** Or a file holding that key. */
  @IsOptional() @IsString() SECRETS_KEY_FILE?: string;
  /** The build container of SYSTEM_DEFAULT and IMAGE builds on Kubernetes (the `assembler` target of deploy/Dockerfile). */
  @IsString() @MinLength(1) BUILD_ASSEMBLER_IMAGE = 'stagecraft/assembler:0.1.0';
  /** The build container of CUSTOM_DOCKERFILE builds on Kubernetes: rootless BuildKit. */
  @IsString() @MinLength(1) BUILD_BUILDKIT_IMAGE = 'moby/buildkit:v0.17.3-rootless';
  /** Requests and limits of every build container (Kubernetes quantities). */
  @Matches(QUANTITY) BUILD_POD_CPU_REQUEST = '500m';
  @Matches(QUANTITY) BUILD_POD_CPU_LIMIT = '2';
  @Matches(QUANTITY) BUILD_POD_MEMORY_REQUEST = '512Mi';
  @Matches(QUANTITY) BUILD_POD_MEMORY_LIMIT = '2Gi';
  /** sizeLimit of each emptyDir of a build pod (package, dependencies, temp files, BuildKit's state). */
  @Matches(QUANTITY) BUILD_POD_SCRATCH_LIMIT = '8Gi';
  /** A finished build's Job (and its pods and logs) stays this long on the cluster, then Kubernetes removes it. */
  @IsInt() @Min(0) BUILD_JOB_TTL_SECONDS = 600;
  /**
   * Archive safety (docs/packages.md#limits): what a package may unpack to. The same limits are
   * checked at upload by the artifacts service and again here, when a build unpacks the package.
   */
  @IsInt() @Min(1) ARCHIVE_MAX_TOTAL_BYTES = 4 * 1024 ** 3;
  @IsInt() @Min(1) ARCHIVE_MAX_ENTRIES = 100_000;
  /** Unpacked bytes per compressed byte, for an entry (zip) or the whole gzip stream (tar.gz)… */
  @IsInt() @Min(1) ARCHIVE_MAX_RATIO = 200;
  /** …once it unpacks to more than this many bytes. */
  @IsInt() @Min(1) ARCHIVE_RATIO_MIN_BYTES = 16 * 1024 ** 2;
  /** How often Jobs of finished or unknown builds are looked for and removed, on every cluster builds ran on. */
  @IsInt() @Min(100) KUBE_RECONCILE_INTERVAL_MS = 30_000;
  /** Timeout of each Kubernetes API request (watches and log streams excepted). */
  @IsInt() @Min(100) @Max(120_000) KUBE_REQUEST_TIMEOUT_MS = 10_000;
  /** How often a build Job that has no pod yet is checked for pod creation refused by the cluster (admission). */
  @IsInt() @Min(100) KUBE_POD_REJECTION_CHECK_MS = 5000;
  /** Upper bound of the backoff between retries of a broken watch or log stream. */
  @IsInt() @Min(100) KUBE_WATCH_BACKOFF_MAX_MS = 30_000;
  /**
   * Loopback, private and link-local ranges this service may connect to anyway (docs/security.md#egress):
   * CIDRs separated by commas. Empty: none.
   */
  @IsEgressCidrList() EGRESS_ALLOWED_CIDRS = '';
  /** Whether a kubeconfig's `proxy-url` is honoured (the proxy then decides where traffic goes). */
  @IsBoolean() EGRESS_ALLOW_PROXY = false;
  /**
   * A PEM file holding the EC P-256 private key (PKCS#8 or SEC1) that signs every succeeded build's
   * SBOM and provenance (docs/attestations.md). Unset: builds stay unattested. `npm start` makes
   * one in its data folder. A secret: its content is never logged or echoed.
   */
  @IsOptional() @IsString() @Matches(/^\//, { message: 'must be an absolute path' }) ATTESTATION_SIGNING_KEY_FILE?: string;
  /** `runDetails.builder.id` of the provenance: the URI naming this Stagecraft installation as a builder. */
  @Matches(HTTP_URL, { message: 'ATTESTATION_BUILDER_ID must be an http(s) URL' }) ATTESTATION_BUILDER_ID =
    'https://stagecraft.dev/builders/builds-service/v1';
}

/** REGISTRY_CREDENTIALS, parsed; a malformed value stops the start without echoing it. */
export function registryCredentialsOf(config: BuildsConfig): Record<string, { username: string; password: string }> {
  if (!config.REGISTRY_CREDENTIALS) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(config.REGISTRY_CREDENTIALS);
  } catch {
    throw new Error('REGISTRY_CREDENTIALS is not JSON');
  }
  const entries = Object.entries((parsed ?? {}) as Record<string, unknown>);
  for (const [host, value] of entries) {
    const { username, password } = (value ?? {}) as Record<string, unknown>;
    if (typeof username !== 'string' || typeof password !== 'string')
      throw new Error(`REGISTRY_CREDENTIALS.${host} needs a username and a password`);
  }
  return Object.fromEntries(entries) as Record<string, { username: string; password: string }>;
}

/** REGISTRY_TOKEN_HOSTS, as a set. */
export function registryTokenHostsOf(config: BuildsConfig): ReadonlySet<string> {
  return new Set(commaList(config.REGISTRY_TOKEN_HOSTS));
}

/** BUILD_CACHE_DIR, or the user's cache folder. */
export function buildCacheDirOf(config: BuildsConfig): string {
  return config.BUILD_CACHE_DIR ?? join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'stagecraft', 'builds');
}
