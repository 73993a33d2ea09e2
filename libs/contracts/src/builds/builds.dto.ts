import type { ClusterType } from '../clusters/clusters.dto';
import type { PageDto } from '../common/page';
import type { JobBuildSettingsDto } from '../jobs/jobs.dto';

export const BUILD_STATUSES = [
  'PENDING',
  'QUEUED',
  'SCHEDULING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'ERROR',
  'TIMED_OUT',
  'CANCELLING',
  'CANCELLED',
  'EXPIRED',
] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

export const BUILD_PHASES = ['INIT', 'DOWNLOAD', 'PREPROCESS', 'BUILD', 'PUSH', 'POSTPROCESS'] as const;
export type BuildPhase = (typeof BUILD_PHASES)[number];

/** Why a build exists: a user (or jobs, for a user) started it, or the base image it was built on changed (docs/package-jobs.md#base-image-changes). */
export const BUILD_TRIGGERS = ['MANUAL', 'BASE_IMAGE_CHANGED'] as const;
export type BuildTrigger = (typeof BUILD_TRIGGERS)[number];

/** Where a build's attestations went: OCI 1.1 referrers, or cosign's `sha256-<hex>.att` / `.sbom` tags. */
export const ATTESTATION_ATTACHMENTS = ['REFERRERS', 'COSIGN_TAGS'] as const;
export type AttestationAttachment = (typeof ATTESTATION_ATTACHMENTS)[number];

/** The signed SBOM and SLSA provenance of a succeeded build (docs/attestations.md). */
export interface BuildAttestationDto {
  buildId: string;
  attachedAs: AttestationAttachment;
  predicateTypes: string[];
  /** sha256 of the provenance's DSSE envelope bytes as pushed. */
  provenanceDigest: string;
  /** sha256 of the CycloneDX JSON as pushed (the `.sbom` layer). */
  sbomDigest: string;
  /** DSSE envelope JSON of the SLSA v1 provenance statement. */
  provenance: string;
  /** DSSE envelope JSON of the CycloneDX statement. */
  sbomEnvelope: string;
  /** The CycloneDX 1.5 JSON itself. */
  sbom: string;
  sbomComponents: number;
  createdAt: string;
}

/** PEM (SPKI) of the attestation key, or null when builds are not attested. */
export interface AttestationKeyDto {
  publicKey: string | null;
}

/** How a phase ended: SUCCEEDED when the build moved on to the next one or succeeded; the build's end otherwise. */
export const BUILD_PHASE_OUTCOMES = ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type BuildPhaseOutcome = (typeof BUILD_PHASE_OUTCOMES)[number];

/** One phase of a run, with its times (ISO 8601); the last one is open (finishedAt null) while the build runs. */
export interface BuildPhaseTimeDto {
  phase: BuildPhase;
  startedAt: string;
  finishedAt: string | null;
  outcome: BuildPhaseOutcome | null;
}

/**
 * The job as it was when the build started: later edits of the job do not change a run. As
 * answered by builds.get and carried by build events, `buildSpec.dockerfile` is always null (no
 * Dockerfile text leaves the builds service).
 */
export interface BuildSpecSnapshotDto extends JobBuildSettingsDto {
  jobName: string;
  /** The node picked when the build started (LOCAL clusters have one). */
  nodeName: string | null;
  /** The cluster's type when the build started: it decides the executor (absent on builds older than it: LOCAL). */
  clusterType?: ClusterType;
  /** Kubernetes: the ready nodes with the job's labels and an EIP when the build started; the pod may only run on these. */
  eligibleNodes?: string[];
}

export interface BuildDto {
  id: string;
  accountId: string;
  enterpriseProjectId: string;
  jobId: string;
  number: number;
  status: BuildStatus;
  phase: BuildPhase | null;
  /** The phases the run went through, in order, with their times (empty until it runs). */
  phases: BuildPhaseTimeDto[];
  /** Machine-readable, on FAILED, ERROR, TIMED_OUT, CANCELLED and EXPIRED. */
  reason: string | null;
  message: string | null;
  node: string | null;
  imageDigest: string | null;
  image: string | null;
  triggeredBy: string;
  trigger: BuildTrigger;
  /** A SUCCEEDED build's base image as its pushed image names it (`org.opencontainers.image.base.name`/`.digest`); null when it names none. */
  baseImage: string | null;
  baseImageDigest: string | null;
  spec: BuildSpecSnapshotDto;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A job a change of its base image would touch: its latest succeeded build used that base. */
export interface BaseImageImpactDto {
  jobId: string;
  jobName: string;
  enterpriseProjectId: string;
  /** The build whose base is recorded, and the digest it was built on. */
  buildId: string;
  recordedDigest: string;
  /** The build type of that build's snapshot: what a BASE_IMAGE_CHANGED build would repeat. */
  buildType: JobBuildSettingsDto['buildSpec']['type'];
}

/** How many of a job's builds there are (those the caller may see), whichever page is asked for. */
export interface BuildCountsDto {
  total: number;
  /** In a terminal state. */
  finished: number;
  succeeded: number;
}

export type BuildPageDto = PageDto<BuildDto> & { counts: BuildCountsDto };

export interface BuildLogChunkDto {
  buildId: string;
  offset: number;
  text: string;
  nextOffset: number;
  /** The build has ended and everything it wrote has been read. */
  complete: boolean;
}

/** What a build event carries on JetStream (and what subscribers receive). */
export interface BuildEventDto {
  eventId: string;
  type: string;
  at: string;
  build: BuildDto;
}

/** Where a build retention policy comes from: the job's own, its project's default, or the platform's (BUILD_HISTORY_*). */
export const BUILD_RETENTION_SOURCES = ['JOB', 'PROJECT', 'PLATFORM'] as const;
export type BuildRetentionSource = (typeof BUILD_RETENTION_SOURCES)[number];

/** How much finished build history a job keeps (docs/package-jobs.md#build-history); 0 turns a rule off. */
export interface BuildRetentionSettingsDto {
  keepSucceeded: number;
  keepFailed: number;
  maxAgeDays: number;
  /**
   * Pruning a build also deletes the image it pushed from its registry (by digest, with every tag
   * on it there), unless a build that is kept pushed the same digest.
   */
  deleteImages: boolean;
}

/** The policy that holds for a job (`jobId`) or for a project's jobs without their own (`jobId` null). */
export interface BuildRetentionDto extends BuildRetentionSettingsDto {
  enterpriseProjectId: string;
  jobId: string | null;
  source: BuildRetentionSource;
}
