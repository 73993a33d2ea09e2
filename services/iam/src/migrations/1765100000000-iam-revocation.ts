import { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 10, item 6: token versions, disabled access keys, refresh tokens and the audit trail. */
export class IamRevocation1765100000000 implements MigrationInterface {
  name = 'IamRevocation1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0`);
    // A deleted user stays as a name (jobs and builds still show who made them); its name is free again.
    await queryRunner.query(`ALTER TABLE users ADD COLUMN deleted_at timestamptz(3)`);
    await queryRunner.query(`DROP INDEX users_account_name`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_account_name ON users (account_id, lower(name)) WHERE deleted_at IS NULL`);
    await queryRunner.query(`ALTER TABLE access_keys ADD COLUMN disabled_at timestamptz(3)`);
    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash text NOT NULL UNIQUE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        access_key_id text NOT NULL REFERENCES access_keys (id) ON DELETE CASCADE,
        token_version integer NOT NULL,
        expires_at timestamptz(3) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id)`);
    // No foreign key to users: the record of what a deleted user did outlives the user.
    await queryRunner.query(`
      CREATE TABLE audit_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        actor_id uuid NOT NULL,
        action text NOT NULL,
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        enterprise_project_id uuid,
        service text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX audit_records_account_time ON audit_records (account_id, created_at DESC, id DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_records`);
    await queryRunner.query(`DROP TABLE refresh_tokens`);
    await queryRunner.query(`ALTER TABLE access_keys DROP COLUMN disabled_at`);
    await queryRunner.query(`DROP INDEX users_account_name`);
    await queryRunner.query(`DELETE FROM users WHERE deleted_at IS NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_account_name ON users (account_id, lower(name))`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN deleted_at`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN token_version`);
  }
}
