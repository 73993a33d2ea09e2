import { Type } from 'class-transformer';
import { IsArray, IsIn, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';

import { PageRequest } from '../common/page';

export const CLUSTER_TYPES = ['CCE_TURBO', 'CCE_STANDARD', 'KUBERNETES', 'LOCAL'] as const;

export class LabelInput {
  @IsString() @MaxLength(317) key!: string;
  @IsString() @MaxLength(63) value!: string;
}

export class RegisterClusterRequest {
  @IsString() name!: string;
  @IsIn(CLUSTER_TYPES) type!: (typeof CLUSTER_TYPES)[number];
  /** Never logged, never returned: stored encrypted. */
  @IsOptional() @IsString() @MaxLength(1024 * 1024) kubeconfig?: string | null;
  @IsOptional() @IsUUID() enterpriseProjectId?: string | null;
}

export class ClusterIdRequest {
  @IsUUID() id!: string;
}

export class ListClustersRequest extends PageRequest {
  @IsOptional() @IsUUID() enterpriseProjectId?: string | null;
}

export class SelectNodesRequest {
  @IsUUID() clusterId!: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => LabelInput) labels!: LabelInput[];
}
