import { MigrationInterface, QueryRunner } from 'typeorm';

export class PackageDeletionTombstone1765200000100 implements MigrationInterface {
  name = 'PackageDeletionTombstone1765200000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Set, and committed, before jobs is asked whether the package is in use (docs/package-jobs.md#races).
    await queryRunner.query(`ALTER TABLE software_packages ADD COLUMN deleting_since timestamptz(3)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE software_packages DROP COLUMN deleting_since`);
  }
}
