import { MigrationInterface, QueryRunner } from 'typeorm';

export class IamInitial1764000000000 implements MigrationInterface {
  name = 'IamInitial1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        name text NOT NULL,
        is_admin boolean NOT NULL DEFAULT false,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_account_name ON users (account_id, lower(name))`);
    await queryRunner.query(`
      CREATE TABLE access_keys (
        id text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        secret_hash text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        last_used_at timestamptz(3)
      )`);
    await queryRunner.query(`CREATE INDEX access_keys_user ON access_keys (user_id)`);
    await queryRunner.query(`
      CREATE TABLE enterprise_projects (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        name text NOT NULL,
        description text,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX enterprise_projects_account_name ON enterprise_projects (account_id, lower(name))`,
    );
    await queryRunner.query(`
      CREATE TABLE policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        name text NOT NULL,
        description text,
        statements jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX policies_account_name ON policies (account_id, lower(name))`);
    await queryRunner.query(`
      CREATE TABLE policy_attachments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        policy_id uuid NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        enterprise_project_ids uuid[],
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX policy_attachments_user ON policy_attachments (user_id)`);
    await queryRunner.query(`CREATE INDEX policy_attachments_policy ON policy_attachments (policy_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['policy_attachments', 'policies', 'enterprise_projects', 'access_keys', 'users', 'accounts']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
