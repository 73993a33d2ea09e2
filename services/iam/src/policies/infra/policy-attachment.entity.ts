import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'policy_attachments' })
export class PolicyAttachmentEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'account_id' }) accountId!: string;
  @Column('uuid', { name: 'policy_id' }) policyId!: string;
  @Column('uuid', { name: 'user_id' }) userId!: string;
  /** null: every enterprise project of the account, present and future. */
  @Column('uuid', { name: 'enterprise_project_ids', array: true, nullable: true }) enterpriseProjectIds!: string[] | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
