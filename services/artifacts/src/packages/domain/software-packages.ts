import type { AppAbility } from '@stagecraft/authz';
import type { ListPackagesRequest, PackageSource } from '@stagecraft/contracts';
import type { Page } from '@stagecraft/persistence';

import type { SoftwarePackageEntity } from '../infra/software-package.entity';

/** A package as stored, without what storage assigns (timestamps, a deletion's tombstone). */
export type SoftwarePackageFields = Omit<SoftwarePackageEntity, 'createdAt' | 'updatedAt' | 'deletingSince'>;

/** Whose packages a list shows: the account's, in the projects the ability may list. */
export interface PackageReader {
  accountId: string;
  ability: AppAbility;
}

/** A verification that started longer ago than this was abandoned (its process died). */
export const VERIFICATION_LEASE_MINUTES = 30;
/** A deletion that started longer ago than this was abandoned (its process died). */
export const DELETION_LEASE_MINUTES = 5;

/**
 * Where software packages live. A port so the use cases can be tested without Postgres; the one
 * real implementation is SoftwarePackageRepository. Claims are committed at once: each is how two
 * requests racing for one package learn that the other came first.
 */
export abstract class SoftwarePackages {
  /** Stores a new package; `'name-version-taken'` when the account's source already has that name and version. */
  abstract insert(fields: SoftwarePackageFields): Promise<SoftwarePackageEntity | 'name-version-taken'>;
  abstract findInAccount(id: string, accountId: string): Promise<SoftwarePackageEntity | null>;
  /** Whether the name and version are taken, whatever their case (the insert decides races). */
  abstract isNameVersionTaken(accountId: string, source: PackageSource, name: string, version: string): Promise<boolean>;
  /** Claims a PENDING_UPLOAD package for one verification: false while another holds a live claim. */
  abstract claimVerification(id: string): Promise<boolean>;
  abstract releaseVerification(id: string): Promise<void>;
  /** Writes back what a verification found (the claim ends with it). */
  abstract saveVerdict(pkg: SoftwarePackageEntity): Promise<SoftwarePackageEntity>;
  /**
   * Puts the deletion tombstone on the package (docs/package-jobs.md#races) and answers it, or null
   * while another request's deletion is live. A tombstone older than the lease is taken over.
   */
  abstract claimDeletion(id: string): Promise<Date | null>;
  /** Takes the tombstone off again, if it still is this claim's. */
  abstract releaseDeletion(id: string, claim: Date): Promise<void>;
  /** Deletes the package if the tombstone still is this claim's: false when another request took it over. */
  abstract deleteClaimed(id: string, claim: Date): Promise<boolean>;
  /** Newest first; packages being deleted are left out. */
  abstract page(reader: PackageReader, request: ListPackagesRequest): Promise<Page<SoftwarePackageEntity>>;
}
