import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A job's name is unique in its enterprise project, as the console form says, no longer in the
 * whole account: an account-wide CONFLICT told a user of one project which names another
 * project's jobs have. Existing names stay unique, so the new index always builds.
 */
export class JobsNamePerProject1765100000300 implements MigrationInterface {
  name = 'JobsNamePerProject1765100000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE UNIQUE INDEX package_jobs_project_name ON package_jobs (account_id, enterprise_project_id, lower(name))`,
    );
    await queryRunner.query('DROP INDEX package_jobs_account_name');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Fails while two projects hold jobs of one name: rename one of them first.
    await queryRunner.query(`CREATE UNIQUE INDEX package_jobs_account_name ON package_jobs (account_id, lower(name))`);
    await queryRunner.query('DROP INDEX package_jobs_project_name');
  }
}
