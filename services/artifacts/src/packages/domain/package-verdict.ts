import type { SoftwarePackageEntity } from '../infra/software-package.entity';
import type { InspectionResult } from '../inspection';

/** What reading a package's bytes decided, as the package stores it. */
export type PackageVerdict = Pick<SoftwarePackageEntity, 'status' | 'techStack' | 'sizeBytes' | 'sha256' | 'rejectionReason'>;

/** REJECTED: the bytes are kept out, the reason is kept. `sha256` is null when the bytes were not all read. */
export function rejected(sizeBytes: number, sha256: string | null, reason: string): PackageVerdict {
  return { status: 'REJECTED', sizeBytes, sha256, techStack: null, rejectionReason: reason };
}

export function verdictOf(result: InspectionResult): PackageVerdict {
  if (result.status === 'REJECTED') return rejected(result.sizeBytes, result.sha256, result.reason);
  return {
    status: 'READY',
    techStack: result.techStack,
    sizeBytes: result.sizeBytes,
    sha256: result.sha256,
    rejectionReason: null,
  };
}
