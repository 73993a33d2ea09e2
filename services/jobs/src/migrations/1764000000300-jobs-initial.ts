import { MigrationInterface, QueryRunner } from 'typeorm';

export class JobsInitial1764000000300 implements MigrationInterface {
  name = 'JobsInitial1764000000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE package_jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        enterprise_project_id uuid NOT NULL,
        name text NOT NULL,
        description text,
        package_id uuid NOT NULL,
        tech_stack text NOT NULL,
        build_type text NOT NULL CHECK (build_type IN ('SYSTEM_DEFAULT', 'CUSTOM_DOCKERFILE', 'IMAGE')),
        base_image text,
        base_image_tag text,
        dockerfile text,
        image_class text NOT NULL CHECK (image_class IN ('PUBLIC', 'PRIVATE')),
        archive_image text NOT NULL,
        cluster_id uuid NOT NULL,
        node_labels jsonb NOT NULL,
        warnings jsonb NOT NULL,
        created_by uuid NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      )`);
    // The unique index decides a race between two creates of the same name.
    await queryRunner.query(`CREATE UNIQUE INDEX package_jobs_account_name ON package_jobs (account_id, lower(name))`);
    await queryRunner.query(
      `CREATE INDEX package_jobs_listing ON package_jobs (account_id, enterprise_project_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(`CREATE INDEX package_jobs_package ON package_jobs (package_id)`);
    await queryRunner.query(`CREATE INDEX package_jobs_cluster ON package_jobs (cluster_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE package_jobs');
  }
}
