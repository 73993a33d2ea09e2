import type { PackageVerification } from '@stagecraft/contracts';

import type { SoftwarePackageEntity } from '../infra/software-package.entity';
import type { InspectionResult } from '../inspection';

/** What reading a package's bytes decided, as the package stores it. */
export type PackageVerdict = Pick<
  SoftwarePackageEntity,
  'status' | 'techStack' | 'sizeBytes' | 'sha256' | 'verification' | 'rejectionReason'
>;

/**
 * REJECTED: the bytes are kept out, the reason is kept. `sha256` is null when the bytes were not
 * all read (and `verification` null when they were not read at all).
 */
export function rejected(
  sizeBytes: number,
  sha256: string | null,
  reason: string,
  verification: PackageVerification | null = null,
): PackageVerdict {
  return { status: 'REJECTED', sizeBytes, sha256, verification, techStack: null, rejectionReason: reason };
}

export function verdictOf(result: InspectionResult, verification: PackageVerification): PackageVerdict {
  if (result.status === 'REJECTED') return rejected(result.sizeBytes, result.sha256, result.reason, verification);
  return {
    status: 'READY',
    techStack: result.techStack,
    sizeBytes: result.sizeBytes,
    sha256: result.sha256,
    verification,
    rejectionReason: null,
  };
}
