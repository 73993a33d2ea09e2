import type { TechStack } from '../common/tech-stack';
import type { PackageStatus } from './artifacts.dto';

/** What a build reads of a package. A field left out is not asked about; null (or empty) is missing. */
export interface BuildablePackage {
  status: PackageStatus;
  techStack?: TechStack | null;
  sha256?: string | null;
  sizeBytes?: number | null;
}

/**
 * Why a build cannot start from this package, or null when it can. One rule for every service
 * that asks (artifacts before a download URL, jobs before storing a job), so they say it alike.
 */
export function buildableProblem(pkg: BuildablePackage): string | null {
  const missing = (value: unknown) => value === null || value === '';
  if (pkg.status === 'READY' && !missing(pkg.techStack) && !missing(pkg.sha256) && !missing(pkg.sizeBytes)) return null;
  return `the package is ${pkg.status}: only READY packages can be built`;
}
