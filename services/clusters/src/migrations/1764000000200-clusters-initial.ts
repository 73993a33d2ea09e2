import { MigrationInterface, QueryRunner } from 'typeorm';

export class ClustersInitial1764000000200 implements MigrationInterface {
  name = 'ClustersInitial1764000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE clusters (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        enterprise_project_id uuid NOT NULL,
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('CCE_TURBO', 'CCE_STANDARD', 'KUBERNETES', 'LOCAL')),
        status text NOT NULL CHECK (status IN ('CONNECTING', 'AVAILABLE', 'UNAVAILABLE')),
        status_reason text,
        server text,
        kubeconfig_sealed text,
        build_namespace text,
        created_by uuid NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX clusters_account_name ON clusters (account_id, lower(name))`);
    await queryRunner.query(
      `CREATE INDEX clusters_listing ON clusters (account_id, enterprise_project_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE cluster_nodes (
        cluster_id uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
        name text NOT NULL,
        labels jsonb NOT NULL,
        ready boolean NOT NULL,
        internal_ip text,
        external_ip text,
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (cluster_id, name)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE cluster_nodes');
    await queryRunner.query('DROP TABLE clusters');
  }
}
