import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';

import { BuildEntity } from './build.entity';

// Any fixed number: one base-image watcher pass at a time among the replicas sharing a database.
const WATCHER_LOCK = 0x5c_b0_0002;

export interface BaseImageCheck {
  baseImage: string;
  failures: number;
  nextCheckAt: Date;
}

/** The SQL of the base-image watcher (BaseImageWatcher) and of the dry run. */
@Injectable()
export class BaseImageWatchStore {
  constructor(@InjectRepository(BuildEntity) private readonly builds: Repository<BuildEntity>) {}

  /**
   * Runs `pass` while this replica holds the watcher's lock (for the transaction's length); false
   * when another replica holds it, and `pass` did not run.
   */
  async exclusively(pass: () => Promise<void>): Promise<boolean> {
    return this.builds.manager.transaction(async (manager: EntityManager) => {
      const [{ locked }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [WATCHER_LOCK]);
      if (!locked) return false;
      await pass();
      return true;
    });
  }

  /**
   * The latest SUCCEEDED build of each job that is not deleted and has no unfinished build, when
   * that build recorded a base image. `baseImage` narrows it to one base reference (the dry run).
   */
  async latestBased(accountId?: string, baseImage?: string): Promise<BuildEntity[]> {
    const rows: { id: string }[] = await this.builds.query(
      `SELECT id FROM (
         SELECT DISTINCT ON (b.job_id) b.id, b.base_image
           FROM builds b
          WHERE b.status = 'SUCCEEDED'
            AND ($1::uuid IS NULL OR b.account_id = $1)
            AND NOT EXISTS (SELECT 1 FROM builds u WHERE u.job_id = b.job_id AND u.finished_at IS NULL)
            AND NOT EXISTS (SELECT 1 FROM deleted_jobs d WHERE d.job_id = b.job_id)
          ORDER BY b.job_id, b.created_at DESC, b.number DESC
       ) latest
       WHERE base_image IS NOT NULL AND ($2::text IS NULL OR base_image = $2)`,
      [accountId ?? null, baseImage ?? null],
    );
    if (rows.length === 0) return [];
    return this.builds
      .createQueryBuilder('b')
      .where('b.id IN (:...ids)', { ids: rows.map((row) => row.id) })
      .getMany();
  }

  /** The backoff state of these base references (none: never failed). */
  async checks(baseImages: string[]): Promise<Map<string, BaseImageCheck>> {
    if (baseImages.length === 0) return new Map();
    const rows: { base_image: string; failures: number; next_check_at: Date }[] = await this.builds.query(
      'SELECT base_image, failures, next_check_at FROM base_image_checks WHERE base_image = ANY($1)',
      [baseImages],
    );
    return new Map(
      rows.map((row) => [row.base_image, { baseImage: row.base_image, failures: row.failures, nextCheckAt: row.next_check_at }]),
    );
  }

  async recordFailure(baseImage: string, failures: number, nextCheckAt: Date, error: string): Promise<void> {
    await this.builds.query(
      `INSERT INTO base_image_checks (base_image, failures, next_check_at, last_error) VALUES ($1, $2, $3, $4)
       ON CONFLICT (base_image) DO UPDATE SET failures = $2, next_check_at = $3, last_error = $4`,
      [baseImage, failures, nextCheckAt, error],
    );
  }

  async recordSuccess(baseImage: string): Promise<void> {
    await this.builds.query('DELETE FROM base_image_checks WHERE base_image = $1', [baseImage]);
  }

  /** Whether the job already has a BASE_IMAGE_CHANGED build for this new base digest (any state). */
  async hasBuildFor(jobId: string, newDigest: string): Promise<boolean> {
    const rows: unknown[] = await this.builds.query(`SELECT 1 FROM builds WHERE job_id = $1 AND base_change->>'newDigest' = $2`, [
      jobId,
      newDigest,
    ]);
    return rows.length > 0;
  }
}
