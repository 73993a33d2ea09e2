import type { BuildStatus } from '@stagecraft/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'webhooks' })
export class WebhookEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'account_id' }) accountId!: string;
  @Column('uuid', { name: 'enterprise_project_id' }) enterpriseProjectId!: string;
  @Column('text') url!: string;
  @Column('text') description!: string;
  @Column('text', { name: 'event_types', array: true }) eventTypes!: string[];
  @Column('text', { array: true }) statuses!: BuildStatus[];
  @Column('boolean') enabled!: boolean;
  /** The HMAC secret, sealed with the secrets key and the webhook id as context; never leaves this service. */
  @Column('text', { name: 'secret_sealed' }) secretSealed!: string;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
