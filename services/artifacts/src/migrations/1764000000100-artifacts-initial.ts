import { MigrationInterface, QueryRunner } from 'typeorm';

export class ArtifactsInitial1764000000100 implements MigrationInterface {
  name = 'ArtifactsInitial1764000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE software_packages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        enterprise_project_id uuid NOT NULL,
        name text NOT NULL,
        version text NOT NULL,
        source text NOT NULL CHECK (source IN ('SWR', 'OBS')),
        bucket text NOT NULL,
        object_key text NOT NULL,
        -- OBS objects registered from a user's bucket are the user's: deleting the package keeps them.
        owns_object boolean NOT NULL,
        declared_tech_stack text,
        tech_stack text,
        size_bytes bigint,
        sha256 text,
        status text NOT NULL CHECK (status IN ('PENDING_UPLOAD', 'READY', 'REJECTED')),
        rejection_reason text,
        verifying_since timestamptz(3),
        created_by uuid NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX software_packages_identity ON software_packages (account_id, source, lower(name), lower(version))`,
    );
    await queryRunner.query(
      `CREATE INDEX software_packages_listing ON software_packages (account_id, enterprise_project_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE obs_credentials (
        account_id uuid PRIMARY KEY,
        endpoint text NOT NULL,
        region text NOT NULL,
        access_key_id text NOT NULL,
        secret_access_key_sealed text NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE obs_credentials');
    await queryRunner.query('DROP TABLE software_packages');
  }
}
