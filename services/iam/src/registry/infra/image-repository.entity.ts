import type { ImageClass } from '@stagecraft/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A repository of the embedded registry that a build pushed: the project of the first build that
 * pushed it owns it (no other project may push it), and its class says who may pull it.
 */
@Entity({ name: 'image_repositories' })
export class ImageRepositoryEntity {
  /** The repository's path in the registry, e.g. `team/orders`. */
  @PrimaryColumn('text') name!: string;
  @Column('uuid', { name: 'account_id' }) accountId!: string;
  @Column('uuid', { name: 'enterprise_project_id' }) enterpriseProjectId!: string;
  @Column('text', { name: 'image_class' }) imageClass!: ImageClass;
  /** The job whose build claimed it, and the last one that pushed it. */
  @Column('uuid', { name: 'created_by_job_id' }) createdByJobId!: string;
  @Column('uuid', { name: 'last_job_id' }) lastJobId!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 }) updatedAt!: Date;
}
