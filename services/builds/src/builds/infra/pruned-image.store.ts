import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** An image a pruned build pushed, waiting to be deleted from its registry. */
export interface PrunedImage {
  buildId: string;
  accountId: string;
  enterpriseProjectId: string;
  /** The job's archive address when the build ran: `registry/repository:tag`. */
  archiveImage: string;
  imageDigest: string;
  /** The build's attestation manifests (docs/attestations.md), deleted after the image. */
  attestationManifests: string[];
  attempts: number;
}

/** A build still in the table that pushed to, or may push to, an address: what keeps an image. */
export interface ImageUse {
  archiveImage: string;
  imageDigest: string | null;
  finished: boolean;
}

/**
 * The queue of pruned builds' images (pruned_images, filled by BuildRepository.pruneHistory in the
 * statement that deletes the builds), and what still uses an image.
 */
@Injectable()
export class PrunedImageStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Up to `limit` images due at `now`, each claimed until `now + leaseMs` so another replica's
   * pass does not take it meanwhile (a pass that dies leaves it to the next one after that).
   */
  async claimDue(now: Date, limit: number, leaseMs: number): Promise<PrunedImage[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `UPDATE pruned_images SET next_attempt_at = $2::timestamptz
        WHERE build_id IN (SELECT build_id FROM pruned_images WHERE next_attempt_at <= $1::timestamptz
                            ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING build_id, account_id, enterprise_project_id, archive_image, image_digest, attestation_manifests, attempts`,
      [now.toISOString(), new Date(now.getTime() + leaseMs).toISOString(), limit],
    );
    // TypeORM answers an UPDATE … RETURNING as [rows, count].
    const claimed = (Array.isArray(rows[0]) ? rows[0] : rows) as Record<string, unknown>[];
    return claimed.map((row) => ({
      buildId: row.build_id as string,
      accountId: row.account_id as string,
      enterpriseProjectId: row.enterprise_project_id as string,
      archiveImage: row.archive_image as string,
      imageDigest: row.image_digest as string,
      attestationManifests: (row.attestation_manifests as string[] | null) ?? [],
      attempts: row.attempts as number,
    }));
  }

  /** The builds left that pushed this digest, and every unfinished build (which may push it yet). */
  async usesOf(imageDigest: string): Promise<ImageUse[]> {
    const rows: { archive_image: string; image_digest: string | null; finished: boolean }[] = await this.dataSource.query(
      `SELECT spec->>'archiveImage' AS archive_image, image_digest, finished_at IS NOT NULL AS finished
         FROM builds WHERE image_digest = $1 OR finished_at IS NULL`,
      [imageDigest],
    );
    return rows.map((row) => ({ archiveImage: row.archive_image, imageDigest: row.image_digest, finished: row.finished }));
  }

  async remove(buildId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM pruned_images WHERE build_id = $1', [buildId]);
  }

  async retryAt(buildId: string, at: Date, error: string | null, attempts: number): Promise<void> {
    await this.dataSource.query(
      'UPDATE pruned_images SET next_attempt_at = $2, last_error = $3, attempts = $4 WHERE build_id = $1',
      [buildId, at.toISOString(), error, attempts],
    );
  }
}
