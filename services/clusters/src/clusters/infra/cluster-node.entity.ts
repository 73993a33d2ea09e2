import type { LabelDto } from '@stagecraft/contracts';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'cluster_nodes' })
export class ClusterNodeEntity {
  @PrimaryColumn('uuid', { name: 'cluster_id' }) clusterId!: string;
  @PrimaryColumn('text') name!: string;
  @Column('jsonb') labels!: LabelDto[];
  @Column('boolean') ready!: boolean;
  @Column('text', { name: 'internal_ip', nullable: true }) internalIP!: string | null;
  @Column('text', { name: 'external_ip', nullable: true }) externalIP!: string | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 }) updatedAt!: Date;
}
