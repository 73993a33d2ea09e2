import type { BuildDto } from '../builds/builds.dto';
import type { PackageJobDto } from './jobs.dto';

/** createPackageJob's answer: in a file of its own, so jobs' and builds' DTOs do not import each other. */
export interface CreatedPackageJobDto {
  job: PackageJobDto;
  /** Set when the job was created with Build. */
  build: BuildDto | null;
}
