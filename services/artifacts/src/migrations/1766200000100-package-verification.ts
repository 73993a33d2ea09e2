import { MigrationInterface, QueryRunner } from 'typeorm';

export class PackageVerification1766200000100 implements MigrationInterface {
  name = 'PackageVerification1766200000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The client's declared sha256 (signed into the upload URL) and who vouched for the stored one.
    await queryRunner.query(`ALTER TABLE software_packages ADD COLUMN declared_sha256 text, ADD COLUMN verification text`);
    // Every package verified before this was read and hashed in full by the service.
    await queryRunner.query(`UPDATE software_packages SET verification = 'FULL_READ' WHERE sha256 IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE software_packages DROP COLUMN declared_sha256, DROP COLUMN verification`);
  }
}
