import { IsArray, IsInt, IsObject, IsOptional, IsUUID, Max, Min } from 'class-validator';

import { PageRequest } from '../common/page';
import type { PackageJobDto } from '../jobs/jobs.dto';

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
