import { IsArray, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

import { PageRequest } from '../common/page';

export class StartBuildRequest {
  @IsUUID() jobId!: string;
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
