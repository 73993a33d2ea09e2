import { NatsConfig } from '@stagecraft/messaging';
import { IsIn, IsOptional, IsString, Matches, MinLength } from 'class-validator';

/** The jobs service's environment. Each property is named as the variable it reads. */
export class JobsConfig extends NatsConfig {
  @IsString() @MinLength(1) DATABASE_URL!: string;
  @IsString() @Matches(/^[a-z_][a-z0-9_]*$/) DATABASE_SCHEMA = 'jobs';
  /**
   * The SYSTEM_DEFAULT base images, as JSON: each tech stack → `repository:tag` entries, e.g.
   * {"JAVA":["eclipse-temurin:17-jre"]}. Unset: the official images (see base-image-catalog.ts).
   */
  @IsOptional() @IsString() BASE_IMAGE_CATALOG?: string;
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose']) LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';
}
