import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'account_id' }) accountId!: string;
  @Column('text') name!: string;
  @Column('boolean', { name: 'is_admin' }) isAdmin!: boolean;
  /** Raised by revokeTokens: every token carrying a lower `ver` is refused. */
  @Column('integer', { name: 'token_version', default: 0 }) tokenVersion!: number;
  /** Set by deleteUser: the user holds no key, attachment or token, and is kept only as a name. */
  @Column({ type: 'timestamptz', name: 'deleted_at', precision: 3, nullable: true }) deletedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
