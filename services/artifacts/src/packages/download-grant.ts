import { PackageError, PackageErrorReason } from '@stagecraft/contracts';
import type { SecretBox } from '@stagecraft/secrets';

/** What a download grant names, sealed with the service's key. */
export interface DownloadGrant {
  accountId: string;
  packageId: string;
  sha256: string;
  expiresAt: string;
}

/** What grants are sealed with: the service's SecretBox. */
export type GrantSealer = Pick<SecretBox, 'seal' | 'open'>;

// The context keeps a grant from opening as any other sealed value, and anything else from opening as a grant.
const GRANT_CONTEXT = 'package-download-grant';

export function sealGrant(secrets: GrantSealer, grant: DownloadGrant): string {
  return secrets.seal(JSON.stringify(grant), GRANT_CONTEXT);
}

/** The grant a sealed value holds; GRANT_INVALID when this service did not seal it. */
export function openGrant(secrets: GrantSealer, sealed: string): DownloadGrant {
  try {
    return JSON.parse(secrets.open(sealed, GRANT_CONTEXT)) as DownloadGrant;
  } catch {
    throw new PackageError(PackageErrorReason.GRANT_INVALID, 'the download grant is not one this service issued');
  }
}
