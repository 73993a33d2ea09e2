import { MigrationInterface, QueryRunner } from 'typeorm';

export class ClusterDeletionTombstone1765200000200 implements MigrationInterface {
  name = 'ClusterDeletionTombstone1765200000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Set, and committed, before jobs is asked whether the cluster is in use (docs/package-jobs.md#races).
    await queryRunner.query(`ALTER TABLE clusters ADD COLUMN deleting_since timestamptz(3)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE clusters DROP COLUMN deleting_since`);
  }
}
