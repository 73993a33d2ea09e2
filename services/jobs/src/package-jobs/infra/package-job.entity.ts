import type { BuildType, DockerfileWarningDto, ImageClass, LabelDto, TechStack } from '@stagecraft/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'package_jobs' })
export class PackageJobEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'account_id' }) accountId!: string;
  @Column('uuid', { name: 'enterprise_project_id' }) enterpriseProjectId!: string;
  @Column('text') name!: string;
  @Column('text', { nullable: true }) description!: string | null;
  @Column('uuid', { name: 'package_id' }) packageId!: string;
  @Column('text', { name: 'tech_stack' }) techStack!: TechStack;
  @Column('text', { name: 'build_type' }) buildType!: BuildType;
  @Column('text', { name: 'base_image', nullable: true }) baseImage!: string | null;
  @Column('text', { name: 'base_image_tag', nullable: true }) baseImageTag!: string | null;
  @Column('text', { nullable: true }) dockerfile!: string | null;
  @Column('text', { name: 'image_class' }) imageClass!: ImageClass;
  @Column('text', { name: 'archive_image' }) archiveImage!: string;
  @Column('uuid', { name: 'cluster_id' }) clusterId!: string;
  @Column('jsonb', { name: 'node_labels' }) nodeLabels!: LabelDto[];
  @Column('jsonb') warnings!: DockerfileWarningDto[];
  @Column('boolean', { name: 'auto_rebase', default: false }) autoRebase!: boolean;
  @Column('uuid', { name: 'created_by' }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 }) updatedAt!: Date;
  @Column('integer') version!: number;
}
