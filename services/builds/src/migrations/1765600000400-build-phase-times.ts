import { MigrationInterface, QueryRunner } from 'typeorm';

export class BuildPhaseTimes1765600000400 implements MigrationInterface {
  name = 'BuildPhaseTimes1765600000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Each phase of a run with its start, end and outcome; builds run before this have none.
    await queryRunner.query(`ALTER TABLE builds ADD COLUMN phases jsonb NOT NULL DEFAULT '[]'::jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE builds DROP COLUMN phases`);
  }
}
