import type { AttestationAttachment } from '@stagecraft/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The signed SBOM and provenance of one succeeded build, and where they were attached (docs/attestations.md). */
@Entity({ name: 'build_attestations' })
export class BuildAttestationEntity {
  @PrimaryColumn('uuid', { name: 'build_id' }) buildId!: string;
  @Column('text', { name: 'attached_as' }) attachedAs!: AttestationAttachment;
  @Column('text', { name: 'predicate_types', array: true }) predicateTypes!: string[];
  /** sha256 digests of the envelope bytes pushed (provenance) and of the raw CycloneDX BOM (sbom). */
  @Column('text', { name: 'provenance_digest' }) provenanceDigest!: string;
  @Column('text', { name: 'sbom_digest' }) sbomDigest!: string;
  @Column('text', { name: 'provenance_envelope' }) provenanceEnvelope!: string;
  @Column('text', { name: 'sbom_envelope' }) sbomEnvelope!: string;
  @Column('text') sbom!: string;
  @Column('integer', { name: 'sbom_components' }) sbomComponents!: number;
  /** Digests of the manifests pushed (cosign tags' or referrers'): deleted with the image when the build is pruned. */
  @Column('text', { name: 'attached_manifests', array: true }) attachedManifests!: string[];
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
