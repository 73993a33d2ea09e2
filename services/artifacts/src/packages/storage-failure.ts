import { PackageError, PackageErrorReason } from '@stagecraft/contracts';

import { StorageError } from '../storage/s3-store';

/**
 * Storage problems become errors a user can act on, on `field` (what the user named that led
 * there); nothing from the SDK leaks. Anything else is rethrown as it is.
 */
export function rethrowStorage(field: string) {
  return (error: unknown): never => {
    if (!(error instanceof StorageError)) throw error;
    // An unreachable store is no fault of any field.
    if (error.kind === 'unreachable') throw new PackageError(PackageErrorReason.STORAGE_UNREACHABLE, error.message);
    const reason = error.kind === 'denied' ? PackageErrorReason.STORAGE_DENIED : PackageErrorReason.BUCKET_NOT_FOUND;
    throw new PackageError(reason, error.message, field);
  };
}
