import { MigrationInterface, QueryRunner } from 'typeorm';

export class JobsAutoRebase1766100000300 implements MigrationInterface {
  name = 'JobsAutoRebase1766100000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Opt-in: a job rebuilds (or is rebased) on its own only when its owner says so.
    await queryRunner.query(`ALTER TABLE package_jobs ADD COLUMN auto_rebase boolean NOT NULL DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE package_jobs DROP COLUMN auto_rebase`);
  }
}
