import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsString, IsUUID, Max, Min, ValidateNested } from 'class-validator';

import { PageRequest } from '../common/page';
import type { PackageJobDto } from '../jobs/jobs.dto';
import type { BuildRetentionSettingsDto } from './builds.dto';

export class StartBuildRequest {
  @IsUUID() jobId!: string;
}

/** The job as jobs stored it (its Dockerfile as written); only jobs may send it, so builds takes it as is. */
export class StartBuildForJobRequest {
  @IsObject() job!: PackageJobDto;
}

export class BuildIdRequest {
  @IsUUID() id!: string;
}

export class ListBuildsRequest extends PageRequest {
  @IsUUID() jobId!: string;
}

export class BaseImageImpactRequest {
  /** A base reference as builds record it (`registry/repository:tag`, the image's base.name annotation). */
  @IsString() baseImage!: string;
}

export class LastBuildsRequest {
  @IsArray() @IsUUID('all', { each: true }) jobIds!: string[];
}

export class BuildLogRequest {
  @IsUUID() buildId!: string;
  @IsOptional() @IsInt() @Min(0) offset?: number | null;
  @IsOptional() @IsInt() @Min(1) @Max(1024 * 1024) limit?: number | null;
}

export class JobBuildsRequest {
  @IsUUID() jobId!: string;
}

/** At most this many builds of each kind are kept per job by a setting; more is an archive, not a history. */
export const MAX_KEPT_BUILDS = 1000;
/** Ten years. */
export const MAX_BUILD_AGE_DAYS = 3650;

export class BuildRetentionSettings implements BuildRetentionSettingsDto {
  @IsInt() @Min(0) @Max(MAX_KEPT_BUILDS) keepSucceeded!: number;
  @IsInt() @Min(0) @Max(MAX_KEPT_BUILDS) keepFailed!: number;
  @IsInt() @Min(0) @Max(MAX_BUILD_AGE_DAYS) maxAgeDays!: number;
  @IsBoolean() deleteImages!: boolean;
}

export class JobBuildRetentionRequest {
  @IsUUID() jobId!: string;
}

export class ProjectBuildRetentionRequest {
  @IsUUID() enterpriseProjectId!: string;
}

/** `retention` null: the job follows its project's default again. */
export class SetJobBuildRetentionRequest extends JobBuildRetentionRequest {
  @IsOptional() @ValidateNested() @Type(() => BuildRetentionSettings) retention?: BuildRetentionSettings | null;
}

/** `retention` null: the project's jobs follow the platform's policy again. */
export class SetProjectBuildRetentionRequest extends ProjectBuildRetentionRequest {
  @IsOptional() @ValidateNested() @Type(() => BuildRetentionSettings) retention?: BuildRetentionSettings | null;
}
