import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A project's pull-only registry login, for the clusters that run its images (an imagePullSecret). */
@Entity({ name: 'robot_accounts' })
export class RobotAccountEntity {
  /** The login name, e.g. SCRB3JX…; the secret is only ever stored as a hash. */
  @PrimaryColumn('text') id!: string;
  @Column('uuid', { name: 'account_id' }) accountId!: string;
  @Column('uuid', { name: 'enterprise_project_id' }) enterpriseProjectId!: string;
  @Column('text') name!: string;
  @Column('text', { name: 'secret_hash' }) secretHash!: string;
  @Column('uuid', { name: 'created_by' }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'last_used_at', precision: 3, nullable: true }) lastUsedAt!: Date | null;
}
