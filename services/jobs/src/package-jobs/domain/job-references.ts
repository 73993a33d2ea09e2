import type { Caller } from '@stagecraft/authz';
import {
  ErrorCode,
  type LabelDto,
  PackageJobError,
  PackageJobErrorReason,
  ServiceError,
  type SoftwarePackageDto,
} from '@stagecraft/contracts';

/**
 * What a job points at, checked with the caller's own rights: the package (artifacts), the cluster
 * and its nodes (clusters). Problems are PackageJobErrors on the job's field.
 */
export abstract class JobReferences {
  /** The package, READY and of the job's project. */
  abstract readyPackage(caller: Caller, packageId: string, enterpriseProjectId: string): Promise<SoftwarePackageDto>;
  /** The cluster is the job's project's, and at least one ready node with an EIP carries the labels. */
  abstract buildableCluster(caller: Caller, clusterId: string, enterpriseProjectId: string, labels: LabelDto[]): Promise<void>;
  /**
   * Asked again after a job that points at them is stored (docs/package-jobs.md#races): a package
   * or cluster whose deletion began meanwhile answers as a missing one, and the job is undone.
   */
  abstract stillThere(caller: Caller, packageId: string, clusterId: string, enterpriseProjectId: string): Promise<void>;
}

/** A package the caller cannot see (or that is being deleted) is a bad packageId, not a missing job. */
export function unknownPackage(error: unknown): never {
  if (error instanceof ServiceError && error.code === ErrorCode.NOT_FOUND)
    throw new PackageJobError(
      PackageJobErrorReason.UNKNOWN_PACKAGE,
      'packageId names no software package you can see',
      'packageId',
    );
  throw error;
}

export function unknownCluster(error: unknown): never {
  if (error instanceof ServiceError && error.code === ErrorCode.NOT_FOUND)
    throw new PackageJobError(PackageJobErrorReason.UNKNOWN_CLUSTER, 'clusterId names no cluster you can see', 'clusterId');
  throw error;
}
