import type { PackageSource } from '@stagecraft/contracts';

import type { S3Store } from '../../storage/s3-store';

/** The object storage calls the package use cases make. Failures are StorageErrors. */
export type ObjectStore = Pick<
  S3Store,
  'presignPut' | 'presignGet' | 'head' | 'read' | 'readRange' | 'verifiesChecksums' | 'delete'
>;

/** Where a package's bytes live: Stagecraft's own repository (SWR) or the account's OBS. */
export abstract class PackageStorage {
  /** null: an OBS package, and the account has no OBS credentials. */
  abstract storeFor(accountId: string, source: PackageSource): Promise<ObjectStore | null>;
}
