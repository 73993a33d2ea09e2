/**
 * Every reason a build can end with, one per failure mode, with the state it ends in. FAILED: the
 * user's input (package, Dockerfile, base image, registry rights) can fix it; ERROR: the
 * platform failed. docs/package-jobs.md#build-reasons lists the same table (a spec compares them).
 */
export const BUILD_REASONS = {
  // FAILED: what the job asked for cannot be built.
  PACKAGE_UNAVAILABLE: { status: 'FAILED', meaning: 'the package was deleted or is no longer READY when the build started' },
  PACKAGE_REJECTED: { status: 'FAILED', meaning: 'the package cannot be laid out as an image for its stack' },
  BASE_IMAGE_NOT_FOUND: {
    status: 'FAILED',
    meaning: 'the base image (or the Dockerfile FROM image) does not exist, or has no variant for the build machine',
  },
  BASE_IMAGE_INVALID: { status: 'FAILED', meaning: 'the base image is not an image the assembler can build on' },
  REFERENCE_INVALID: { status: 'FAILED', meaning: 'an image reference of the job cannot be parsed' },
  REGISTRY_DENIED: { status: 'FAILED', meaning: 'the registry refused the credentials for the base or archive image' },
  REGISTRY_UNREACHABLE: {
    status: 'FAILED',
    meaning: "a registry the custom Dockerfile's build needs cannot be reached from the build machine",
  },
  DEPENDENCY_LOCKFILE_MISSING: { status: 'FAILED', meaning: "the package's dependencies have no lockfile to install from" },
  DEPENDENCY_MANIFEST_INVALID: { status: 'FAILED', meaning: "the package's dependency manifest or lockfile cannot be read" },
  DEPENDENCY_SOURCE_REFUSED: {
    status: 'FAILED',
    meaning: 'a dependency comes from a source the platform does not fetch from (git, a URL, a file)',
  },
  DEPENDENCY_REGISTRY_UNREACHABLE: {
    status: 'FAILED',
    meaning: 'the package registry the dependencies come from could not be reached',
  },
  DEPENDENCY_INSTALL_FAILED: {
    status: 'FAILED',
    meaning: "installing the package's dependencies failed; the log has the installer's output",
  },
  DOCKERFILE_INVALID: {
    status: 'FAILED',
    meaning: 'the custom Dockerfile cannot be parsed or uses an instruction that is refused',
  },
  DOCKERFILE_STEP_FAILED: { status: 'FAILED', meaning: 'a RUN step of the custom Dockerfile exited non-zero' },
  COPY_SOURCE_NOT_FOUND: {
    status: 'FAILED',
    meaning: 'a COPY or ADD of the custom Dockerfile names a file the build context lacks',
  },
  BUILDER_UNAVAILABLE: {
    status: 'FAILED',
    meaning: 'custom Dockerfiles cannot be built on this LOCAL cluster (no working buildah)',
  },
  SANDBOX_UNAVAILABLE: { status: 'FAILED', meaning: 'build steps cannot be sealed off from the platform on this LOCAL cluster' },
  BUILD_FAILED: { status: 'FAILED', meaning: 'the Kubernetes build container exited non-zero without reporting why' },
  OUT_OF_MEMORY: { status: 'FAILED', meaning: 'the build container passed its memory limit (OOMKilled)' },
  IMAGE_PULL: { status: 'FAILED', meaning: 'the cluster cannot pull the build container image' },
  POD_REJECTED: { status: 'FAILED', meaning: 'the cluster refused to create the build pod (quota, admission policy)' },
  // ERROR: the platform or its infrastructure failed.
  PACKAGE_DOWNLOAD_FAILED: { status: 'ERROR', meaning: 'the package repository could not be reached or answered an error' },
  PACKAGE_CORRUPTED: { status: 'ERROR', meaning: 'the downloaded package does not match its recorded sha256' },
  REGISTRY_ERROR: { status: 'ERROR', meaning: 'the registry failed (5xx, rate limit, broken connection)' },
  REGISTRY_CREDENTIAL_UNAVAILABLE: { status: 'ERROR', meaning: 'the registry credentials could not be read for the build' },
  CLUSTER_UNREACHABLE: { status: 'ERROR', meaning: "the builds service holds no usable connection to the build's cluster" },
  KUBERNETES_API: { status: 'ERROR', meaning: "the cluster's API refused or failed creating the build's Job" },
  JOB_DELETED: { status: 'ERROR', meaning: "the build's Kubernetes Job was deleted by someone else" },
  EVICTED: { status: 'ERROR', meaning: 'the build pod was disrupted (evicted, preempted) twice' },
  NO_DIGEST: { status: 'ERROR', meaning: 'the build container ended without reporting the image digest' },
  TERMINATED: { status: 'ERROR', meaning: 'the build container was stopped (SIGTERM) before it finished' },
  USAGE: { status: 'ERROR', meaning: 'the build container was started with a command it does not know' },
  BUILD_SPEC_INVALID: { status: 'ERROR', meaning: "the build container's build spec is missing or invalid" },
  REGISTRY_AUTH_INVALID: { status: 'ERROR', meaning: "the build container's registry auth file is missing or invalid" },
  EXECUTOR_LOST: { status: 'ERROR', meaning: 'the builds service that ran a LOCAL build stopped before it ended' },
  EXECUTOR_ERROR: { status: 'ERROR', meaning: 'anything else that went wrong in the build machine; the log has the details' },
  ATTESTATION_FAILED: {
    status: 'ERROR',
    meaning: 'the image was pushed but its SBOM and provenance could not be made or attached',
  },
  // The other ends.
  DEADLINE_EXCEEDED: { status: 'TIMED_OUT', meaning: 'the build ran past its deadline (BUILD_DEADLINE_SECONDS)' },
  QUEUE_TIMEOUT: { status: 'EXPIRED', meaning: 'the build waited in the queue past BUILD_QUEUE_TIMEOUT_SECONDS' },
  CANCELLED_BY_USER: { status: 'CANCELLED', meaning: 'someone cancelled the build' },
} as const satisfies Record<string, { status: 'FAILED' | 'ERROR' | 'TIMED_OUT' | 'EXPIRED' | 'CANCELLED'; meaning: string }>;

export type BuildReason = keyof typeof BUILD_REASONS;

/** The reasons that end a build in `status`: a failure names one of these with its status, never another. */
export type BuildReasonOf<Status extends (typeof BUILD_REASONS)[BuildReason]['status']> = {
  [R in BuildReason]: (typeof BUILD_REASONS)[R]['status'] extends Status ? R : never;
}[BuildReason];

export function isBuildReason(value: unknown): value is BuildReason {
  return typeof value === 'string' && Object.hasOwn(BUILD_REASONS, value);
}
