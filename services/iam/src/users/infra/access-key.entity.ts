import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'access_keys' })
export class AccessKeyEntity {
  /** The public half, e.g. SCAK3JX…; the secret is only ever stored as a hash. */
  @PrimaryColumn('text') id!: string;
  @Column('uuid', { name: 'user_id' }) userId!: string;
  @Column('text', { name: 'secret_hash' }) secretHash!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'last_used_at', precision: 3, nullable: true }) lastUsedAt!: Date | null;
  /** Set while the key is disabled: it cannot log in, and tokens issued for it are refused. */
  @Column({ type: 'timestamptz', name: 'disabled_at', precision: 3, nullable: true }) disabledAt!: Date | null;
}
