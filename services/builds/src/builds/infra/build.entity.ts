import type { BuildPhase, BuildSpecSnapshotDto, BuildStatus, BuildTrigger } from '@stagecraft/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

import type { PhaseTimes } from '../domain/phase-times';

/** Where reading a container's log stopped: the last line stored, by its kubelet timestamp, and how many stored lines carried exactly that timestamp. */
export interface LineCursor {
  time: string;
  seen: number;
}

/** What a BASE_IMAGE_CHANGED build is for: the base reference, its digest before and now, and the image it rebases. */
export interface BaseChange {
  baseImage: string;
  previousDigest: string;
  newDigest: string;
  /** The previous SUCCEEDED build's image (a manifest digest in the job's repository). */
  imageDigest: string;
  previousBuildId: string;
}

/** Per container (`pod/container`). */
export type LogCursors = Record<string, LineCursor>;

@Entity({ name: 'builds' })
export class BuildEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'account_id' }) accountId!: string;
  @Column('uuid', { name: 'enterprise_project_id' }) enterpriseProjectId!: string;
  @Column('uuid', { name: 'job_id' }) jobId!: string;
  @Column('integer') number!: number;
  @Column('uuid', { name: 'cluster_id' }) clusterId!: string;
  /** The job as it was when the build started. */
  @Column('jsonb') spec!: BuildSpecSnapshotDto;
  @Column('text') status!: BuildStatus;
  @Column('text', { nullable: true }) phase!: BuildPhase | null;
  /** Every phase of the run with its times, in order (domain/phase-times.ts). */
  @Column('jsonb', { default: () => "'[]'::jsonb" }) phases!: PhaseTimes;
  @Column('text', { nullable: true }) reason!: string | null;
  @Column('text', { nullable: true }) message!: string | null;
  @Column('text', { nullable: true }) node!: string | null;
  @Column('text', { name: 'image_digest', nullable: true }) imageDigest!: string | null;
  @Column('text', { nullable: true }) image!: string | null;
  @Column('uuid', { name: 'triggered_by' }) triggeredBy!: string;
  @Column('text', { default: 'MANUAL' }) trigger!: BuildTrigger;
  /** Set when the build turns SUCCEEDED, from the pushed image's base annotations (null: it names no base). */
  @Column('text', { name: 'base_image', nullable: true }) baseImage!: string | null;
  @Column('text', { name: 'base_image_digest', nullable: true }) baseImageDigest!: string | null;
  @Column('jsonb', { name: 'base_change', nullable: true }) baseChange!: BaseChange | null;
  /**
   * A presigned GET for the package, asked for when the build starts running (null while
   * queued): a capability, never in a DTO, an event or a log.
   */
  @Column('text', { name: 'package_url', nullable: true }) packageUrl!: string | null;
  /** What the URL is asked for with, sealed by artifacts when the build was queued: a capability too. */
  @Column('text', { name: 'package_grant', nullable: true }) packageGrant!: string | null;
  @Column('text', { name: 'package_sha256' }) packageSha256!: string;
  /** Kubernetes builds: how far each container's log has been stored (see executors/kubernetes). */
  @Column('jsonb', { name: 'log_cursor', nullable: true }) logCursor!: LogCursors | null;
  /** The builds replica running it since it was scheduled (BuildRunner.id), while its lease lasts. */
  @Column('uuid', { name: 'runner_id', nullable: true }) runnerId!: string | null;
  @Column({ type: 'timestamptz', name: 'lease_expires_at', precision: 3, nullable: true }) leaseExpiresAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'started_at', precision: 3, nullable: true }) startedAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'finished_at', precision: 3, nullable: true }) finishedAt!: Date | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 }) updatedAt!: Date;
}
