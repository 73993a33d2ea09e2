import type { ListPackageJobsRequest } from '@stagecraft/contracts';
import type { Page } from '@stagecraft/persistence';

import type { PackageJobEntity } from '../infra/package-job.entity';

/** A job as stored, without what storage assigns (id, timestamps). */
export type PackageJobFields = Omit<PackageJobEntity, 'id' | 'createdAt' | 'updatedAt'>;

/** The rows a list may show: the SQL the caller's ability allows (`accessibleWhere`). */
export interface VisibleTo {
  accountId: string;
  where: { sql: string; params: Record<string, unknown> };
}

/**
 * Where package jobs live. A port so the use cases can be tested without Postgres; the one real
 * implementation is PackageJobRepository.
 */
export abstract class PackageJobs {
  /** Stores a new job; `'name-taken'` when its project already has a job of that name. */
  abstract insert(job: PackageJobFields): Promise<PackageJobEntity | 'name-taken'>;
  abstract findInAccount(id: string, accountId: string): Promise<PackageJobEntity | null>;
  /** Writes `changes` and bumps the version, only if the job is still at `version`: false when it is not. */
  abstract updateAtVersion(id: string, version: number, changes: Partial<PackageJobFields>): Promise<boolean>;
  abstract delete(id: string): Promise<void>;
  abstract page(
    visible: VisibleTo,
    request: ListPackageJobsRequest,
  ): Promise<Page<PackageJobEntity> & { totalCount: number | null }>;
  /** Jobs of one project that use a package or a cluster. */
  abstract countUsing(
    accountId: string,
    enterpriseProjectId: string,
    uses: { packageId: string } | { clusterId: string },
  ): Promise<number>;
}
