import { IsEgressCidrList } from '@stagecraft/config';
import { ServiceConfig } from '@stagecraft/service';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

/** The artifacts service's environment. Each property is named as the variable it reads. */
export class ArtifactsConfig extends ServiceConfig {
  override DATABASE_SCHEMA = 'artifacts';
  /** Stagecraft's own package repository (SWR): any S3 API. */
  @IsString() S3_ENDPOINT = 'http://127.0.0.1:9000';
  /** The endpoint clients reach for presigned URLs, when it differs (e.g. inside compose). */
  @IsOptional() @IsString() S3_PUBLIC_ENDPOINT?: string;
  @IsString() S3_REGION = 'us-east-1';
  @IsString() @MinLength(1) S3_ACCESS_KEY_ID!: string;
  @IsString() @MinLength(1) S3_SECRET_ACCESS_KEY!: string;
  @IsString() @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/) S3_BUCKET = 'stagecraft-packages';
  @IsBoolean() S3_FORCE_PATH_STYLE = true;
  /** The largest package accepted (2 GiB). */
  @IsInt() @Min(1) PACKAGE_MAX_BYTES = 2 * 1024 ** 3;
  @IsInt() @Min(60) @Max(7 * 24 * 3600) UPLOAD_URL_TTL_SECONDS = 900;
  /**
   * Archive safety (docs/packages.md#limits): what a package may unpack to. The same limits are
   * checked at upload by the artifacts service and again here, when a build unpacks the package.
   */
  @IsInt() @Min(1) ARCHIVE_MAX_TOTAL_BYTES = 4 * 1024 ** 3;
  @IsInt() @Min(1) ARCHIVE_MAX_ENTRIES = 100_000;
  /** Unpacked bytes per compressed byte, for an entry (zip) or the whole gzip stream (tar.gz)… */
  @IsInt() @Min(1) ARCHIVE_MAX_RATIO = 200;
  /** …once it unpacks to more than this many bytes. */
  @IsInt() @Min(1) ARCHIVE_RATIO_MIN_BYTES = 16 * 1024 ** 2;
  /** AES-256-GCM key (32 bytes, base64) for OBS credentials at rest. */
  @IsOptional() @IsString() @MinLength(44) SECRETS_KEY?: string;
  /** Or a file holding that key (a Docker or Kubernetes secret). */
  @IsOptional() @IsString() SECRETS_KEY_FILE?: string;
  /**
   * Loopback, private and link-local ranges this service may connect to anyway (docs/security.md#egress):
   * CIDRs separated by commas. Empty: none.
   */
  @IsEgressCidrList() EGRESS_ALLOWED_CIDRS = '';
}
