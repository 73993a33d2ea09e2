import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lists are newest first across the projects a user holds. The per-project index keeps each
 * project's jobs in order separately, which Postgres cannot merge, so at 1M jobs it read and
 * sorted every visible job (273 ms); reading the account newest first and skipping other
 * projects' rows takes under a millisecond (bench:jobs).
 */
export class JobsAccountRecencyIndex1764000000301 implements MigrationInterface {
  name = 'JobsAccountRecencyIndex1764000000301';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX package_jobs_account_recency ON package_jobs (account_id, created_at DESC, id DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX package_jobs_account_recency');
  }
}
