import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'obs_credentials' })
export class ObsCredentialsEntity {
  @PrimaryColumn('uuid', { name: 'account_id' }) accountId!: string;
  @Column('text') endpoint!: string;
  @Column('text') region!: string;
  @Column('text', { name: 'access_key_id' }) accessKeyId!: string;
  /** SecretBox-sealed, bound to the account id. */
  @Column('text', { name: 'secret_access_key_sealed' }) secretAccessKeySealed!: string;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 }) updatedAt!: Date;
}
