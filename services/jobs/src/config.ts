import { ServiceConfig } from '@stagecraft/service';
import { IsOptional, IsString } from 'class-validator';

/** The jobs service's environment. Each property is named as the variable it reads. */
export class JobsConfig extends ServiceConfig {
  override DATABASE_SCHEMA = 'jobs';
  /**
   * The SYSTEM_DEFAULT base images, as JSON: each tech stack → `repository:tag` entries, e.g.
   * {"JAVA":["eclipse-temurin:17-jre"]}. Unset: the official images (see base-image-catalog.ts).
   */
  @IsOptional() @IsString() BASE_IMAGE_CATALOG?: string;
}
