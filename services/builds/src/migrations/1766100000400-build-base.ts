import { MigrationInterface, QueryRunner } from 'typeorm';

export class BuildBase1766100000400 implements MigrationInterface {
  name = 'BuildBase1766100000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    // What a SUCCEEDED build's image was built on (its base annotations), so the base-image watcher
    // knows what to compare against; older builds have none recorded and are not watched.
    await queryRunner.query(`ALTER TABLE builds ADD COLUMN base_image text, ADD COLUMN base_image_digest text`);
    await queryRunner.query(
      `ALTER TABLE builds ADD COLUMN trigger text NOT NULL CHECK (trigger IN ('MANUAL', 'BASE_IMAGE_CHANGED')) DEFAULT 'MANUAL'`,
    );
    // A BASE_IMAGE_CHANGED build: which base change it is for and what it rebases. One per job and
    // new base digest, decided by the index even when two passes race or the build fails.
    await queryRunner.query(`ALTER TABLE builds ADD COLUMN base_change jsonb`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX builds_one_per_base_change ON builds (job_id, (base_change->>'newDigest')) WHERE base_change IS NOT NULL`,
    );
    // Per base reference: when the watcher may next ask its registry (exponential backoff after
    // failures), kept here so a restart does not hammer a failing registry.
    await queryRunner.query(`
      CREATE TABLE base_image_checks (
        base_image text PRIMARY KEY,
        failures integer NOT NULL DEFAULT 0,
        next_check_at timestamptz(3) NOT NULL,
        last_error text
      )`);
    // The watcher's pass: the latest SUCCEEDED build of each job with a base recorded.
    await queryRunner.query(
      `CREATE INDEX builds_based_succeeded ON builds (job_id, created_at DESC) WHERE status = 'SUCCEEDED' AND base_image IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE base_image_checks`);
    await queryRunner.query(`DROP INDEX builds_one_per_base_change`);
    await queryRunner.query(`ALTER TABLE builds DROP COLUMN base_change`);
    await queryRunner.query(`DROP INDEX builds_based_succeeded`);
    await queryRunner.query(`ALTER TABLE builds DROP COLUMN trigger, DROP COLUMN base_image, DROP COLUMN base_image_digest`);
  }
}
