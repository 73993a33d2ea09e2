import type { ObsCredentialsDto } from '@stagecraft/contracts';

import type { ObsCredentialsEntity } from './infra/obs-credentials.entity';

/** The credentials as shown: never the secret key, not even sealed. */
export function toObsCredentialsDto(entity: ObsCredentialsEntity): ObsCredentialsDto {
  return {
    endpoint: entity.endpoint,
    region: entity.region,
    accessKeyId: entity.accessKeyId,
    updatedAt: entity.updatedAt.toISOString(),
  };
}
