import { MigrationInterface, QueryRunner } from 'typeorm';

export class KubernetesBuilds1764000000500 implements MigrationInterface {
  name = 'KubernetesBuilds1764000000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Where a build's pod logs were read up to, per container, written with the log text itself.
    await queryRunner.query(`ALTER TABLE builds ADD COLUMN log_cursor jsonb`);
    // The Kubernetes connection of each cluster builds ran on, refreshed at every build start, so
    // that a restarted builds service can follow its builds without a user's request.
    await queryRunner.query(`
      CREATE TABLE build_clusters (
        cluster_id uuid PRIMARY KEY,
        build_namespace text NOT NULL,
        kubeconfig_sealed text NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE build_clusters`);
    await queryRunner.query(`ALTER TABLE builds DROP COLUMN log_cursor`);
  }
}
