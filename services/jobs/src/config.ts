import { IsIn, IsOptional, IsString, Matches, MinLength } from 'class-validator';

/** The jobs service's environment. Each property is named as the variable it reads. */
export class JobsConfig {
  @IsString() @MinLength(1) DATABASE_URL!: string;
  @IsString() @Matches(/^[a-z_][a-z0-9_]*$/) DATABASE_SCHEMA = 'jobs';
  @IsString() NATS_URL = 'nats://127.0.0.1:4222';
  @IsString() @Matches(/^([a-z0-9_-]+\.)*$/i, { message: 'must be empty or end with a dot' }) NATS_SUBJECT_PREFIX = '';
  /**
   * The SYSTEM_DEFAULT base images, as JSON: each tech stack → `repository:tag` entries, e.g.
   * {"JAVA":["eclipse-temurin:17-jre"]}. Unset: the official images (see base-image-catalog.ts).
   */
  @IsOptional() @IsString() BASE_IMAGE_CATALOG?: string;
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose']) LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';
}
