import { outboxTableDdl, outboxTableDropDdl } from '@stagecraft/messaging';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class BuildsInitial1764000000400 implements MigrationInterface {
  name = 'BuildsInitial1764000000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE builds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        enterprise_project_id uuid NOT NULL,
        job_id uuid NOT NULL,
        number integer NOT NULL,
        cluster_id uuid NOT NULL,
        spec jsonb NOT NULL,
        status text NOT NULL,
        phase text,
        reason text,
        message text,
        node text,
        image_digest text,
        image text,
        triggered_by uuid NOT NULL,
        -- A presigned URL for the package, valid while the build may run: a capability, never shown.
        package_url text NOT NULL,
        package_sha256 text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        started_at timestamptz(3),
        finished_at timestamptz(3),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // Numbers per job from 1; the index decides two starts at once.
    await queryRunner.query(`CREATE UNIQUE INDEX builds_job_number ON builds (job_id, number)`);
    await queryRunner.query(`CREATE INDEX builds_unfinished ON builds (cluster_id, created_at) WHERE finished_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE build_log_chunks (
        build_id uuid NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
        "offset" bigint NOT NULL,
        text text NOT NULL,
        PRIMARY KEY (build_id, "offset")
      )`);
    await queryRunner.query(outboxTableDdl('build_events'));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE build_log_chunks');
    await queryRunner.query('DROP TABLE builds');
    await queryRunner.query(outboxTableDropDdl('build_events'));
  }
}
