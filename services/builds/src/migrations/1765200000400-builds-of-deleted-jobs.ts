import { MigrationInterface, QueryRunner } from 'typeorm';

export class BuildsOfDeletedJobs1765200000400 implements MigrationInterface {
  name = 'BuildsOfDeletedJobs1765200000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Written when a job's builds are deleted, under the job's build lock: no build starts after it.
    await queryRunner.query(`
      CREATE TABLE deleted_jobs (
        job_id uuid PRIMARY KEY,
        account_id uuid NOT NULL,
        deleted_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // The package's URL is asked for when a build starts running; a queued build has none yet.
    await queryRunner.query(`ALTER TABLE builds ALTER COLUMN package_url DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE builds ADD COLUMN package_grant text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE builds DROP COLUMN package_grant`);
    await queryRunner.query(`DROP TABLE deleted_jobs`);
  }
}
