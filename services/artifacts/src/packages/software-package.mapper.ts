import type { SoftwarePackageDto } from '@stagecraft/contracts';

import type { SoftwarePackageEntity } from './infra/software-package.entity';

export function toSoftwarePackageDto(entity: SoftwarePackageEntity): SoftwarePackageDto {
  return {
    id: entity.id,
    accountId: entity.accountId,
    enterpriseProjectId: entity.enterpriseProjectId,
    name: entity.name,
    version: entity.version,
    source: entity.source,
    // An SWR package's bucket is Stagecraft's own: an installation detail, not the user's.
    bucket: entity.source === 'OBS' ? entity.bucket : null,
    objectKey: entity.objectKey,
    techStack: entity.techStack,
    sizeBytes: entity.sizeBytes,
    sha256: entity.sha256,
    verification: entity.verification,
    status: entity.status,
    rejectionReason: entity.rejectionReason,
    createdBy: entity.createdBy,
    createdAt: entity.createdAt.toISOString(),
  };
}
