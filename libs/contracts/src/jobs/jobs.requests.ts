import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Min,
  ValidateNested,
} from 'class-validator';

import { LabelInput } from '../clusters/clusters.requests';
import { PageRequest } from '../common/page';
import { TECH_STACKS, type TechStack } from '../common/tech-stack';
import type { PackageJobDto } from './jobs.dto';

export const BUILD_TYPES = ['SYSTEM_DEFAULT', 'CUSTOM_DOCKERFILE', 'IMAGE'] as const;
export const IMAGE_CLASSES = ['PUBLIC', 'PRIVATE'] as const;

/** Every key of a PackageJobDto: a key added to the DTO and not here fails to compile. */
export const PACKAGE_JOB_DTO_KEYS = Object.keys({
  id: true,
  accountId: true,
  enterpriseProjectId: true,
  name: true,
  description: true,
  packageId: true,
  techStack: true,
  buildSpec: true,
  imageClass: true,
  archiveImage: true,
  clusterId: true,
  nodeLabels: true,
  warnings: true,
  autoRebase: true,
  createdBy: true,
  createdAt: true,
  updatedAt: true,
  version: true,
} satisfies Record<keyof PackageJobDto, true>) as (keyof PackageJobDto)[];

export class PackageJobInput {
  @IsString() name!: string;
  @IsOptional() @IsString() description?: string | null;
  @IsOptional() @IsUUID() enterpriseProjectId?: string | null;
  @IsUUID() packageId!: string;
  @IsIn(BUILD_TYPES) buildType!: (typeof BUILD_TYPES)[number];
  @IsOptional() @IsString() baseImage?: string | null;
  @IsOptional() @IsString() baseImageTag?: string | null;
  @IsOptional() @IsString() dockerfile?: string | null;
  @IsIn(IMAGE_CLASSES) imageClass!: (typeof IMAGE_CLASSES)[number];
  @IsString() archiveImage!: string;
  @IsUUID() clusterId!: string;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => LabelInput) nodeLabels?: LabelInput[] | null;
  /** Checked by the jobs service (so the refusal names the field): a boolean, default false. */
  @IsOptional() autoRebase?: boolean | null;
}

export class PackageJobPatch {
  @IsOptional() @IsString() description?: string | null;
  @IsOptional() @IsUUID() packageId?: string | null;
  @IsOptional() @IsIn(BUILD_TYPES) buildType?: (typeof BUILD_TYPES)[number] | null;
  @IsOptional() @IsString() baseImage?: string | null;
  @IsOptional() @IsString() baseImageTag?: string | null;
  @IsOptional() @IsString() dockerfile?: string | null;
  @IsOptional() @IsIn(IMAGE_CLASSES) imageClass?: (typeof IMAGE_CLASSES)[number] | null;
  @IsOptional() @IsString() archiveImage?: string | null;
  @IsOptional() @IsUUID() clusterId?: string | null;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => LabelInput) nodeLabels?: LabelInput[] | null;
  @IsOptional() autoRebase?: boolean | null;
}

export class CreatePackageJobRequest {
  @ValidateNested() @Type(() => PackageJobInput) input!: PackageJobInput;
  /** Build: save and start a build in one step. Save: save only. */
  @IsOptional() @IsBoolean() build?: boolean | null;
}

export class UpdatePackageJobRequest {
  @IsUUID() id!: string;
  @ValidateNested() @Type(() => PackageJobPatch) patch!: PackageJobPatch;
  @IsOptional() @IsInt() @Min(1) expectedVersion?: number | null;
}

export class JobIdRequest {
  @IsUUID() id!: string;
}

export class AutoRebaseJobRequest {
  @IsUUID() accountId!: string;
  @IsUUID() jobId!: string;
}

export class ListPackageJobsRequest extends PageRequest {
  @IsOptional() @IsUUID() enterpriseProjectId?: string | null;
  @IsOptional() @IsString() nameContains?: string | null;
  @IsOptional() @IsUUID() clusterId?: string | null;
  @IsOptional() @IsBoolean() withTotalCount?: boolean | null;
  /** Only these keys of each job are sent (the gateway names what the GraphQL selection reads); every key when absent. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(PACKAGE_JOB_DTO_KEYS.length)
  @IsIn(PACKAGE_JOB_DTO_KEYS, { each: true })
  fields?: (keyof PackageJobDto)[] | null;
}

export class BaseImagesRequest {
  @IsIn(TECH_STACKS) techStack!: TechStack;
}

/** Sent by artifacts or clusters before deleting a package or a cluster of that enterprise project. */
export class JobUsageRequest {
  @IsOptional() @IsUUID() packageId?: string | null;
  @IsOptional() @IsUUID() clusterId?: string | null;
  /** The package's or cluster's project: a job only uses a package or cluster of its own project. */
  @IsUUID() enterpriseProjectId!: string;
}
