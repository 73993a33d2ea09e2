import { IsArray, IsBoolean, IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';

// Shapes only: the rules (URL, known types and statuses, lengths) are the builds service's, with their messages.
export class CreateWebhookRequest {
  @IsUUID() enterpriseProjectId!: string;
  @IsString() url!: string;
  @IsArray() @IsString({ each: true }) eventTypes!: string[];
  @IsOptional() @IsArray() @IsString({ each: true }) statuses?: string[] | null;
  @IsOptional() @IsString() description?: string | null;
  @IsOptional() @IsBoolean() enabled?: boolean | null;
}

export class UpdateWebhookRequest {
  @IsUUID() id!: string;
  @IsOptional() @IsString() url?: string | null;
  @IsOptional() @IsArray() @IsString({ each: true }) eventTypes?: string[] | null;
  @IsOptional() @IsArray() @IsString({ each: true }) statuses?: string[] | null;
  @IsOptional() @IsString() description?: string | null;
  @IsOptional() @IsBoolean() enabled?: boolean | null;
}

export class WebhookIdRequest {
  @IsUUID() id!: string;
}

export class ListWebhooksRequest {
  @IsUUID() enterpriseProjectId!: string;
}

export class WebhookDeliveriesRequest {
  @IsUUID() webhookId!: string;
  @IsOptional() @IsInt() @Min(1) @Max(1000) limit?: number | null;
}
