import { IsBoolean, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

/** What `npm start` reads. Without DATABASE_URL or NATS_URL it starts its own. */
export class LauncherConfig {
  @IsInt() @Min(0) @Max(65535) STAGECRAFT_PORT = 4000;
  @IsString() STAGECRAFT_HOST = '127.0.0.1';
  @IsString() STAGECRAFT_DATA_DIR = '.stagecraft';
  /** Copies of each service (the gateway is one: it owns the port); each is restarted when it crashes. */
  @IsInt() @Min(1) @Max(8) STAGECRAFT_REPLICAS = 1;
  /**
   * Sign every succeeded build's SBOM and provenance with a key kept in the data folder
   * (docs/attestations.md). Off: builds stay unattested (a fake cluster's made-up digests, say).
   */
  @IsBoolean() STAGECRAFT_ATTESTATIONS = true;
  @IsOptional() @IsString() DATABASE_URL?: string;
  @IsOptional() @IsString() NATS_URL?: string;
}
