import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

import type { WebhookDeliveryStatus } from '../domain/webhook-delivery';

@Entity({ name: 'webhook_deliveries' })
export class WebhookDeliveryEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'webhook_id' }) webhookId!: string;
  @Column('uuid', { name: 'event_id' }) eventId!: string;
  /** The CloudEvents type (`io.stagecraft.build.succeeded`). */
  @Column('text', { name: 'event_type' }) eventType!: string;
  /** The CloudEvent as sent, byte for byte the same on every attempt (each attempt signs it afresh). */
  @Column('text') body!: string;
  @Column('text') status!: WebhookDeliveryStatus;
  @Column('integer') attempts!: number;
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true }) nextAttemptAt!: Date | null;
  @Column('integer', { name: 'last_status_code', nullable: true }) lastStatusCode!: number | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  @Column('text', { name: 'response_excerpt', nullable: true }) responseExcerpt!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'last_attempt_at', nullable: true }) lastAttemptAt!: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
}
