import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

/** A keyset page as it crosses NATS (the gateway shapes it into a Relay connection). */
export interface PageDto<T> {
  edges: { cursor: string; node: T }[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export class PageRequest {
  @IsOptional() @IsInt() @Min(1) @Max(100) first?: number | null;
  @IsOptional() @IsString() after?: string | null;
}
