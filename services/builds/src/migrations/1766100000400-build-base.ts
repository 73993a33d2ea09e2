import { MigrationInterface, QueryRunner } from 'typeorm';

export class BuildBase1766100000400 implements MigrationInterface {
  name = 'BuildBase1766100000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    // What a SUCCEEDED build's image was built on (its base annotations), so the base-image watcher
    // knows what to compare against; older builds have none recorded and are not watched.
    await queryRunner.query(`ALTER TABLE builds ADD COLUMN base_image text, ADD COLUMN base_image_digest text`);
    await queryRunner.query(
      `ALTER TABLE builds ADD COLUMN trigger text NOT NULL DEFAULT 'MANUAL' CHECK (trigger IN ('MANUAL', 'BASE_IMAGE_CHANGED'))`,
    );
    // The watcher's pass: the latest SUCCEEDED build of each job with a base recorded.
    await queryRunner.query(
      `CREATE INDEX builds_based_succeeded ON builds (job_id, created_at DESC) WHERE status = 'SUCCEEDED' AND base_image IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX builds_based_succeeded`);
    await queryRunner.query(`ALTER TABLE builds DROP COLUMN trigger, DROP COLUMN base_image, DROP COLUMN base_image_digest`);
  }
}
