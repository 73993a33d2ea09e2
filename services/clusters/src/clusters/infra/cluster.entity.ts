import type { ClusterStatus, ClusterType } from '@stagecraft/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'clusters' })
export class ClusterEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'account_id' }) accountId!: string;
  @Column('uuid', { name: 'enterprise_project_id' }) enterpriseProjectId!: string;
  @Column('text') name!: string;
  @Column('text') type!: ClusterType;
  @Column('text') status!: ClusterStatus;
  @Column('text', { name: 'status_reason', nullable: true }) statusReason!: string | null;
  @Column('text', { nullable: true }) server!: string | null;
  /** SecretBox-sealed, bound to the cluster id; never returned, never logged. */
  @Column('text', { name: 'kubeconfig_sealed', nullable: true }) kubeconfigSealed!: string | null;
  @Column('text', { name: 'build_namespace', nullable: true }) buildNamespace!: string | null;
  /** A deletion in progress (docs/package-jobs.md#races): the cluster answers as a missing one meanwhile. */
  @Column({ type: 'timestamptz', name: 'deleting_since', precision: 3, nullable: true }) deletingSince!: Date | null;
  @Column('uuid', { name: 'created_by' }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 }) updatedAt!: Date;
}
