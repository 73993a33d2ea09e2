import { MigrationInterface, QueryRunner } from 'typeorm';

export class PackageDeclaredSize1765300000500 implements MigrationInterface {
  name = 'PackageDeclaredSize1765300000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The sizeBytes given to createPackageUpload, held to by completePackageUpload.
    await queryRunner.query(`ALTER TABLE software_packages ADD COLUMN declared_size_bytes bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE software_packages DROP COLUMN declared_size_bytes`);
  }
}
