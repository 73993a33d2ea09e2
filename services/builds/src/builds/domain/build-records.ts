import type { Caller } from '@stagecraft/authz';
import type { BuildCountsDto, BuildPhase, BuildReason, BuildStatus } from '@stagecraft/contracts';
import type { Page, PageRequest } from '@stagecraft/persistence';

import type { BuildEntity } from '../infra/build.entity';

/** What a new build is made of: everything else starts as NEW_BUILD_STATE. */
export type NewBuild = Pick<
  BuildEntity,
  'id' | 'accountId' | 'enterpriseProjectId' | 'jobId' | 'clusterId' | 'spec' | 'triggeredBy' | 'packageSha256'
> &
  Partial<Pick<BuildEntity, 'packageUrl' | 'packageGrant' | 'trigger' | 'baseChange'>>;

/** A new build is QUEUED, and has nothing yet of a run. */
export const NEW_BUILD_STATE = {
  status: 'QUEUED',
  phase: null,
  phases: [],
  reason: null,
  message: null,
  node: null,
  imageDigest: null,
  image: null,
  baseImage: null,
  baseImageDigest: null,
  startedAt: null,
  finishedAt: null,
  logCursor: null,
  runnerId: null,
  leaseExpiresAt: null,
} as const satisfies Partial<BuildEntity>;

export interface TransitionChanges {
  /** A scheduled build's runner and lease (BuildRunner.lease): who runs it, and until when unless renewed. */
  runnerId?: string | null;
  leaseExpiresAt?: Date | null;
  phase?: BuildPhase | null;
  reason?: BuildReason | null;
  message?: string | null;
  node?: string | null;
  imageDigest?: string | null;
  image?: string | null;
  baseImage?: string | null;
  baseImageDigest?: string | null;
}

/** The job's builds were deleted (the job is being deleted): no build of it starts any more. */
export class JobDeletedError extends Error {
  constructor() {
    super('the package job is deleted');
  }
}

/**
 * The builds as the use cases (BuildsService) read and write them. A port so they can be tested
 * without Postgres; the one real implementation is BuildRepository.
 */
export abstract class BuildRecords {
  /** Stores a QUEUED build with the next number of its job, and its first event; JobDeletedError once the job is deleted. */
  abstract create(build: NewBuild): Promise<BuildEntity>;
  /**
   * Moves a build to `to` if its state allows it, with its event (null when it does not: another
   * writer got there first). A terminal state sets `finishedAt`; RUNNING sets `startedAt`.
   */
  abstract transition(
    id: string,
    to: BuildStatus,
    changes?: TransitionChanges,
    allowedFrom?: BuildStatus[],
  ): Promise<BuildEntity | null>;
  abstract findInAccount(accountId: string, id: string): Promise<BuildEntity | null>;
  /** The build, which must exist. */
  abstract get(id: string): Promise<BuildEntity>;
  /** The job's builds the caller may both list and read, newest first. */
  abstract visiblePageOfJob(caller: Caller, jobId: string, page: PageRequest): Promise<Page<BuildEntity>>;
  /** How many of the job's builds the caller may both list and read, finished and succeeded. */
  abstract visibleCountsOfJob(caller: Caller, jobId: string): Promise<BuildCountsDto>;
  /** The newest build of each job. */
  abstract lastOfJobs(accountId: string, jobIds: string[]): Promise<BuildEntity[]>;
  /** The enterprise projects the job's builds belong to. */
  abstract projectsOfJob(accountId: string, jobId: string): Promise<string[]>;
  /**
   * Deletes the job's builds and records the job as deleted, so no build of it is queued after
   * this. Nothing changes while a build is unfinished; their count is returned instead.
   */
  abstract deleteJobBuilds(accountId: string, jobId: string): Promise<{ unfinished: number; deleted: number }>;
  /** Whether another runner than `runnerId` holds a lease on the build that has not run out at `now`. */
  abstract leasedByAnotherRunner(id: string, runnerId: string, now: Date): Promise<boolean>;
}
