import { MigrationInterface, QueryRunner } from 'typeorm';

export class BuildAttestations1766000000400 implements MigrationInterface {
  name = 'BuildAttestations1766000000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row per attested build (docs/attestations.md): what was pushed where, and the signed
    // envelopes themselves, so the API answers without asking the registry. Goes with its build.
    await queryRunner.query(`
      CREATE TABLE build_attestations (
        build_id uuid PRIMARY KEY REFERENCES builds(id) ON DELETE CASCADE,
        attached_as text NOT NULL CHECK (attached_as IN ('REFERRERS', 'COSIGN_TAGS')),
        predicate_types text[] NOT NULL,
        provenance_digest text NOT NULL,
        sbom_digest text NOT NULL,
        provenance_envelope text NOT NULL,
        sbom_envelope text NOT NULL,
        sbom text NOT NULL,
        sbom_components integer NOT NULL,
        attached_manifests text[] NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // A pruned build whose image is deleted takes its attestation manifests with it (by digest:
    // the prune credential may only delete, so it could not resolve the cosign tags).
    await queryRunner.query(`ALTER TABLE pruned_images ADD COLUMN attestation_manifests text[] NOT NULL DEFAULT '{}'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE pruned_images DROP COLUMN attestation_manifests`);
    await queryRunner.query(`DROP TABLE build_attestations`);
  }
}
