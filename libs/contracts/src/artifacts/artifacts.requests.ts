import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Min } from 'class-validator';

import { PageRequest } from '../common/page';
import { TECH_STACKS, type TechStack } from '../common/tech-stack';
import { PACKAGE_SOURCES, type PackageSource } from './artifacts.dto';

export class CreatePackageUploadRequest {
  @IsString() name!: string;
  @IsString() version!: string;
  @IsIn(PACKAGE_SOURCES) source!: PackageSource;
  @IsOptional() @IsUUID() enterpriseProjectId?: string | null;
  @IsOptional() @IsIn(TECH_STACKS) techStack?: TechStack | null;
  /** OBS uploads: the account's bucket to put the object in. */
  @IsOptional() @IsString() bucket?: string | null;
  /** When known, the URL is signed for exactly this many bytes. */
  @IsOptional() @IsInt() @Min(1) sizeBytes?: number | null;
  /** Hex SHA-256 of the bytes to come: signed into the URL, so that a store that verifies checksums refuses other bytes. */
  @IsOptional() @IsString() sha256?: string | null;
}

export class PackageIdRequest {
  @IsUUID() id!: string;
}

export class UploadTargetRequest {
  @IsUUID() id!: string;
  @IsInt() @Min(1) sizeBytes!: number;
}

export class RegisterObsPackageRequest {
  @IsString() name!: string;
  @IsString() version!: string;
  @IsString() bucket!: string;
  @IsString() objectKey!: string;
  @IsOptional() @IsUUID() enterpriseProjectId?: string | null;
  @IsOptional() @IsIn(TECH_STACKS) techStack?: TechStack | null;
}

export class ListPackagesRequest extends PageRequest {
  @IsOptional() @IsIn(TECH_STACKS) techStack?: TechStack | null;
  @IsOptional() @IsUUID() enterpriseProjectId?: string | null;
  /** Only packages a job can build (used by the jobs service). */
  @IsOptional() @IsBoolean() readyOnly?: boolean | null;
}

export class ConfigureObsCredentialsRequest {
  @IsString() endpoint!: string;
  @IsString() region!: string;
  @IsString() accessKeyId!: string;
  @IsString() secretAccessKey!: string;
}

/** Sent by the builds service alone when a queued build starts running: the grant is the authorization. */
export class BuildDownloadUrlRequest {
  /** PackageDownloadDto.grant, issued to a user allowed to read the package when the build was queued. */
  @IsString() grant!: string;
  @IsInt() @Min(60) ttlSeconds!: number;
}

export class RebuildGrantRequest {
  @IsUUID() accountId!: string;
  @IsUUID() packageId!: string;
  /** The bytes the job's last build used: a package changed since gets no grant. */
  @IsString() sha256!: string;
  @IsInt() @Min(60) ttlSeconds!: number;
}

export class DownloadUrlRequest {
  @IsUUID() id!: string;
  /** How long the URL stays valid: a queued build may wait before it downloads. */
  @IsInt() @Min(60) ttlSeconds!: number;
}
