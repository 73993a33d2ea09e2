import { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 12: the embedded registry's repositories (owner and class) and the projects' robot accounts. */
export class IamRegistry1765200000000 implements MigrationInterface {
  name = 'IamRegistry1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE image_repositories (
        name text PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        enterprise_project_id uuid NOT NULL REFERENCES enterprise_projects (id) ON DELETE CASCADE,
        image_class text NOT NULL CHECK (image_class IN ('PUBLIC', 'PRIVATE')),
        created_by_job_id uuid NOT NULL,
        last_job_id uuid NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX image_repositories_project ON image_repositories (enterprise_project_id, name)`);
    await queryRunner.query(`
      CREATE TABLE robot_accounts (
        id text PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        enterprise_project_id uuid NOT NULL REFERENCES enterprise_projects (id) ON DELETE CASCADE,
        name text NOT NULL,
        secret_hash text NOT NULL,
        created_by uuid NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        last_used_at timestamptz(3)
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX robot_accounts_project_name ON robot_accounts (enterprise_project_id, lower(name))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE robot_accounts`);
    await queryRunner.query(`DROP TABLE image_repositories`);
  }
}
