// The embedded registry's token issuer (iam): token requests from the gateway's token endpoint,
// push credentials for builds, repositories and robot accounts.
import { IsArray, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';

import type { ImageClass } from '../jobs/jobs.dto';
import { IMAGE_CLASSES } from '../jobs/jobs.requests';

/** A token request as the gateway's `/registry/token` received it (the spec's GET, or its OAuth2 POST). */
export class RegistryTokenRequest {
  @IsString() @MaxLength(256) service!: string;
  /** `scope` parameters as sent: each may hold several space-separated scopes. */
  @IsArray() @IsString({ each: true }) @MaxLength(1024, { each: true }) scopes!: string[];
  /** Basic credentials, when the client sent them: an access key, a robot account or a build's credential. */
  @IsOptional() @IsString() @MaxLength(256) username?: string;
  @IsOptional() @IsString() @MaxLength(4096) password?: string;
}

export interface RegistryTokenDto {
  token: string;
  expiresIn: number;
  issuedAt: string;
}

/** The builds service asks for a build's push credential when the build starts. */
export class BuildRegistryCredentialRequest {
  @IsUUID() accountId!: string;
  @IsUUID() enterpriseProjectId!: string;
  @IsUUID() jobId!: string;
  @IsUUID() buildId!: string;
  /** The repository the build pushes (its archive address, without registry and tag). */
  @IsString() @MinLength(1) @MaxLength(255) repository!: string;
  @IsIn(IMAGE_CLASSES) imageClass!: ImageClass;
  /** The build's deadline: the credential ends with it. */
  @IsISO8601() expiresAt!: string;
}

/**
 * The builds service asks for a credential that deletes pruned builds' images (docs/package-jobs.md#build-history):
 * it deletes manifests of one repository its project owns, nothing else, for minutes.
 */
export class PruneRegistryCredentialRequest {
  @IsUUID() accountId!: string;
  @IsUUID() enterpriseProjectId!: string;
  @IsString() @MinLength(1) @MaxLength(255) repository!: string;
}

/** A login for the registry's token endpoint (docker login, an auth file, a build pod's Secret). */
export interface RegistryCredentialDto {
  username: string;
  password: string;
  expiresAt: string;
}

export class ListImageRepositoriesRequest {
  @IsOptional() @IsUUID() enterpriseProjectId?: string;
}

export class SetImageRepositoryClassRequest {
  @IsString() @MinLength(1) @MaxLength(255) name!: string;
  @IsIn(IMAGE_CLASSES) imageClass!: ImageClass;
}

export interface ImageRepositoryDto {
  name: string;
  enterpriseProjectId: string;
  imageClass: ImageClass;
  /** `host/name`: what `docker pull` takes, with a tag. */
  reference: string;
  createdAt: string;
  updatedAt: string;
}

export class CreateRobotAccountRequest {
  @IsUUID() enterpriseProjectId!: string;
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, {
    message: 'name must be 1-64 letters, digits, _ or -, starting with a letter or digit',
  })
  name!: string;
}

export class RobotAccountsRequest {
  @IsUUID() enterpriseProjectId!: string;
}

export class RobotAccountIdRequest {
  @IsString() @MinLength(1) @MaxLength(64) id!: string;
}

export interface RobotAccountDto {
  /** Also its login name. */
  id: string;
  name: string;
  enterpriseProjectId: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Answered once, at creation: the secret is not kept. */
export interface CreatedRobotAccountDto {
  robot: RobotAccountDto;
  secret: string;
  /** A `kubernetes.io/dockerconfigjson` Secret's `.dockerconfigjson`, for the embedded registry. */
  dockerConfigJson: string;
}
