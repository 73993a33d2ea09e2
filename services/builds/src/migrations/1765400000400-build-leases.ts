import { MigrationInterface, QueryRunner } from 'typeorm';

export class BuildLeases1765400000400 implements MigrationInterface {
  name = 'BuildLeases1765400000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Which builds replica runs a scheduled build, and until when it has said so: a build whose
    // lease has run out belongs to nobody, and one replica takes it over.
    await queryRunner.query(`ALTER TABLE builds ADD COLUMN runner_id uuid, ADD COLUMN lease_expires_at timestamptz(3)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE builds DROP COLUMN runner_id, DROP COLUMN lease_expires_at`);
  }
}
