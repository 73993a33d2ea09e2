import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';

import { PageRequest } from '../common/page';

export class EmptyRequest {}

export class CreateAccessTokenRequest {
  @IsString() @MinLength(1) @MaxLength(128) accessKey!: string;
  @IsString() @MinLength(1) @MaxLength(256) secretKey!: string;
}

export class CreateEnterpriseProjectRequest {
  @IsString() name!: string;
  @IsOptional() @IsString() description?: string | null;
}

export class ProjectIdsRequest {
  @IsArray() @IsUUID('all', { each: true }) ids!: string[];
}

export class CreateUserRequest {
  @IsString() name!: string;
  @IsOptional() @IsBoolean() admin?: boolean;
}

export class UserIdsRequest {
  @IsArray() @IsUUID('all', { each: true }) ids!: string[];
}

export class CreateAccessKeyRequest {
  @IsUUID() userId!: string;
}

export class PolicyStatementInput {
  @IsIn(['ALLOW', 'DENY']) effect!: 'ALLOW' | 'DENY';
  @IsArray() @IsString({ each: true }) actions!: string[];
}

export class CreatePolicyRequest {
  @IsString() name!: string;
  @IsOptional() @IsString() description?: string | null;
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PolicyStatementInput)
  statements!: PolicyStatementInput[];
}

export class UpdatePolicyRequest {
  @IsUUID() id!: string;
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PolicyStatementInput)
  statements!: PolicyStatementInput[];
}

export class IdRequest {
  @IsUUID() id!: string;
}

export class ListAttachmentsRequest {
  @IsOptional() @IsUUID() userId?: string | null;
}

export class AttachPolicyRequest {
  @IsUUID() policyId!: string;
  @IsUUID() userId!: string;
  /** null or absent: every enterprise project. */
  @IsOptional() @IsArray() @ArrayMinSize(1) @IsUUID('all', { each: true }) enterpriseProjectIds?: string[] | null;
}

export class ExplainPermissionRequest {
  @IsUUID() userId!: string;
  @IsString() action!: string;
  @IsUUID() enterpriseProjectId!: string;
}

export class UserIdRequest {
  @IsUUID() userId!: string;
}

export class AccessKeyRequest {
  @IsString() @MinLength(1) @MaxLength(128) accessKey!: string;
}

export class RefreshSessionRequest {
  @IsString() @MinLength(1) @MaxLength(256) refreshToken!: string;
}

export class ListAuditRecordsRequest extends PageRequest {
  @IsOptional() @IsUUID() actorId?: string | null;
  @IsOptional() @IsString() @MaxLength(128) action?: string | null;
}
