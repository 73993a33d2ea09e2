import type { LabelDto } from '../clusters/clusters.dto';
import type { PageDto } from '../common/page';
import type { TechStack } from '../common/tech-stack';

export type BuildType = 'SYSTEM_DEFAULT' | 'CUSTOM_DOCKERFILE' | 'IMAGE';
export type ImageClass = 'PUBLIC' | 'PRIVATE';

export interface BuildSpecDto {
  type: BuildType;
  /** SYSTEM_DEFAULT and IMAGE. */
  baseImage: string | null;
  /** SYSTEM_DEFAULT. */
  baseImageTag: string | null;
  /**
   * CUSTOM_DOCKERFILE: as jobs.get answers it, every value the secret scan flags reads `****`
   * (jobs.build-source.get.v1, for builds only, answers it as written); null in builds and build events.
   */
  dockerfile: string | null;
}

/** A likely secret found in a custom Dockerfile: the job is saved, and build logs mask it. */
export interface DockerfileWarningDto {
  line: number;
  kind: string;
  message: string;
}

/** How a job builds: what a build copies from its job when it starts (BuildSpecSnapshotDto). */
export interface JobBuildSettingsDto {
  packageId: string;
  techStack: TechStack;
  buildSpec: BuildSpecDto;
  imageClass: ImageClass;
  archiveImage: string;
  clusterId: string;
  nodeLabels: LabelDto[];
}

export interface PackageJobDto extends JobBuildSettingsDto {
  id: string;
  accountId: string;
  enterpriseProjectId: string;
  name: string;
  description: string | null;
  warnings: DockerfileWarningDto[];
  /** When a base image its last build used changes, the platform starts a BASE_IMAGE_CHANGED build (docs/package-jobs.md#base-image-changes). */
  autoRebase: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** A page of jobs, counted when asked for (`withTotalCount`); each job with the keys asked for (`fields`), else all. */
export type PackageJobPageDto = PageDto<Partial<PackageJobDto>> & { totalCount: number | null };

/** How many jobs use a package or a cluster (deleting one in use is refused). */
export interface JobUsageDto {
  jobCount: number;
}
