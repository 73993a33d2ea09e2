import { MigrationInterface, QueryRunner } from 'typeorm';

export class BuildRetention1765800000400 implements MigrationInterface {
  name = 'BuildRetention1765800000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    // A job's own build history policy (job_id set) or its project's default (job_id null);
    // a job with neither follows the platform's (BUILD_HISTORY_*).
    await queryRunner.query(`
      CREATE TABLE build_retention (
        account_id uuid NOT NULL,
        enterprise_project_id uuid NOT NULL,
        job_id uuid,
        keep_succeeded integer NOT NULL CHECK (keep_succeeded >= 0),
        keep_failed integer NOT NULL CHECK (keep_failed >= 0),
        max_age_days integer NOT NULL CHECK (max_age_days >= 0),
        delete_images boolean NOT NULL,
        updated_by uuid NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX build_retention_of_job ON build_retention (job_id) WHERE job_id IS NOT NULL`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX build_retention_of_project ON build_retention (enterprise_project_id) WHERE job_id IS NULL`,
    );

    // The images of pruned builds whose policy deletes them, until they are deleted from their
    // registry (PrunedImageRemover): a pass that fails or dies is taken up again.
    await queryRunner.query(`
      CREATE TABLE pruned_images (
        build_id uuid PRIMARY KEY,
        account_id uuid NOT NULL,
        enterprise_project_id uuid NOT NULL,
        archive_image text NOT NULL,
        image_digest text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX pruned_images_due ON pruned_images (next_attempt_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE pruned_images`);
    await queryRunner.query(`DROP TABLE build_retention`);
  }
}
