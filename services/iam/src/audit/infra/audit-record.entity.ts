import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'audit_records' })
export class AuditRecordEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'account_id' }) accountId!: string;
  @Column('uuid', { name: 'actor_id' }) actorId!: string;
  @Column('text') action!: string;
  @Column('text', { name: 'resource_type' }) resourceType!: string;
  @Column('text', { name: 'resource_id' }) resourceId!: string;
  @Column('uuid', { name: 'enterprise_project_id', nullable: true }) enterpriseProjectId!: string | null;
  @Column('text') service!: string;
  /** When it happened (in the service that did it). */
  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 }) createdAt!: Date;
}
