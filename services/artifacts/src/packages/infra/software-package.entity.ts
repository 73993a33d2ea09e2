import type { PackageSource, PackageStatus, PackageVerification, TechStack } from '@stagecraft/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'software_packages' })
export class SoftwarePackageEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'account_id' }) accountId!: string;
  @Column('uuid', { name: 'enterprise_project_id' }) enterpriseProjectId!: string;
  @Column('text') name!: string;
  @Column('text') version!: string;
  @Column('text') source!: PackageSource;
  @Column('text') bucket!: string;
  @Column('text', { name: 'object_key' }) objectKey!: string;
  @Column('boolean', { name: 'owns_object' }) ownsObject!: boolean;
  @Column('text', { name: 'declared_tech_stack', nullable: true }) declaredTechStack!: TechStack | null;
  @Column('text', { name: 'tech_stack', nullable: true }) techStack!: TechStack | null;
  // bigint comes back from pg as a string; sizes stay below 2^53.
  @Column('bigint', {
    name: 'size_bytes',
    nullable: true,
    transformer: { to: (v) => v, from: (v) => (v === null ? null : Number(v)) },
  })
  sizeBytes!: number | null;
  /** The sizeBytes given at createPackageUpload: the upload must be exactly this long. */
  @Column('bigint', {
    name: 'declared_size_bytes',
    nullable: true,
    transformer: { to: (v) => v, from: (v) => (v === null ? null : Number(v)) },
  })
  declaredSizeBytes!: number | null;
  @Column('text', { nullable: true }) sha256!: string | null;
  /** The sha256 given at createPackageUpload, signed into the upload URL for the store to verify. */
  @Column('text', { name: 'declared_sha256', nullable: true }) declaredSha256!: string | null;
  /** Who vouched for sha256: the store's checksum or the service's own full read. */
  @Column('text', { nullable: true }) verification!: PackageVerification | null;
  @Column('text') status!: PackageStatus;
  @Column('text', { name: 'rejection_reason', nullable: true }) rejectionReason!: string | null;
  @Column({ type: 'timestamptz', name: 'verifying_since', precision: 3, nullable: true }) verifyingSince!: Date | null;
  /** A deletion in progress (docs/package-jobs.md#races): the package answers as a missing one meanwhile. */
  @Column({ type: 'timestamptz', name: 'deleting_since', precision: 3, nullable: true }) deletingSince!: Date | null;
  @Column('uuid', { name: 'created_by' }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 }) updatedAt!: Date;
}
