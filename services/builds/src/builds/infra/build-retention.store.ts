import { Injectable } from '@nestjs/common';
import type { BuildRetentionDto, BuildRetentionSettingsDto } from '@stagecraft/contracts';
import { DataSource, type EntityManager } from 'typeorm';

import { BuildsConfig } from '../../config';
import { type BuildHistoryPolicy, platformBuildHistoryPolicy } from '../domain/build-history';
import { JobDeletedError } from '../domain/build-records';
import { isDeletedJob, lockJob } from './build.repository';

interface RetentionRow {
  keep_succeeded: number;
  keep_failed: number;
  max_age_days: number;
  delete_images: boolean;
  job_id: string | null;
}

/** Who set a policy and where: the job's own (`jobId`) or its project's default. */
export interface RetentionScope {
  accountId: string;
  enterpriseProjectId: string;
  jobId?: string;
}

/**
 * The build history policies set on jobs and projects (build_retention), and the one each job
 * follows: its own, else its project's, else the platform's. The pruner reads the same table in
 * its one statement (BuildRepository.pruneHistory).
 */
@Injectable()
export class BuildRetentionStore {
  private readonly platform: BuildHistoryPolicy;

  constructor(
    private readonly dataSource: DataSource,
    config: BuildsConfig,
  ) {
    this.platform = platformBuildHistoryPolicy(config);
  }

  /** The policy a job of this project follows (`jobId` given) or its project's default does. */
  async effective(enterpriseProjectId: string, jobId?: string): Promise<BuildRetentionDto> {
    return this.resolve(this.dataSource.manager, enterpriseProjectId, jobId);
  }

  /**
   * Sets (or, with null, removes) the policy of `scope` and answers the one that now holds there.
   * A job's is written under the job's lock, so a job deleted meanwhile keeps no policy.
   */
  async set(scope: RetentionScope, settings: BuildRetentionSettingsDto | null, userId: string): Promise<BuildRetentionDto> {
    return this.dataSource.transaction(async (manager) => {
      if (scope.jobId) {
        await lockJob(manager, scope.jobId);
        if (await isDeletedJob(manager, scope.jobId)) throw new JobDeletedError();
      }
      const where = scope.jobId ? 'job_id = $1' : 'job_id IS NULL AND enterprise_project_id = $1';
      await manager.query(`DELETE FROM build_retention WHERE ${where}`, [scope.jobId ?? scope.enterpriseProjectId]);
      if (settings)
        await manager.query(
          `INSERT INTO build_retention (account_id, enterprise_project_id, job_id, keep_succeeded, keep_failed, max_age_days, delete_images, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            scope.accountId,
            scope.enterpriseProjectId,
            scope.jobId ?? null,
            settings.keepSucceeded,
            settings.keepFailed,
            settings.maxAgeDays,
            settings.deleteImages,
            userId,
          ],
        );
      return this.resolve(manager, scope.enterpriseProjectId, scope.jobId);
    });
  }

  private async resolve(manager: EntityManager, enterpriseProjectId: string, jobId?: string): Promise<BuildRetentionDto> {
    // The job's row sorts first (job_id NULLS LAST), then the project's.
    const [row]: RetentionRow[] = await manager.query(
      `SELECT keep_succeeded, keep_failed, max_age_days, delete_images, job_id FROM build_retention
        WHERE job_id = $2 OR (job_id IS NULL AND enterprise_project_id = $1)
        ORDER BY job_id NULLS LAST LIMIT 1`,
      [enterpriseProjectId, jobId ?? null],
    );
    const applies = { enterpriseProjectId, jobId: jobId ?? null };
    if (!row) return { ...this.platform, ...applies, source: 'PLATFORM' };
    return {
      ...applies,
      keepSucceeded: row.keep_succeeded,
      keepFailed: row.keep_failed,
      maxAgeDays: row.max_age_days,
      deleteImages: row.delete_images,
      source: row.job_id ? 'JOB' : 'PROJECT',
    };
  }
}
