import { Actions, allows } from '@stagecraft/authz';
import type { ListPackagesRequest, PackageSource } from '@stagecraft/contracts';
import { decodeCursor, encodeCursor, type Page } from '@stagecraft/persistence';

import type { Clock } from '../../src/packages/domain/clock';
import {
  DELETION_LEASE_MINUTES,
  type PackageReader,
  type SoftwarePackageFields,
  SoftwarePackages,
  VERIFICATION_LEASE_MINUTES,
} from '../../src/packages/domain/software-packages';
import type { SoftwarePackageEntity } from '../../src/packages/infra/software-package.entity';

const MINUTE = 60_000;

/**
 * SoftwarePackages in a Map, with the table's rules: the unique name and version, the claims and
 * their leases. Rows go in and out as copies, so a package changed but not saved stays unchanged,
 * as it would in Postgres.
 */
export class InMemorySoftwarePackages extends SoftwarePackages {
  private readonly rows = new Map<string, SoftwarePackageEntity>();

  constructor(private readonly clock: Clock) {
    super();
  }

  /** What is stored, for a test to look at. */
  stored(id: string): SoftwarePackageEntity | undefined {
    const row = this.rows.get(id);
    return row && { ...row };
  }

  get size(): number {
    return this.rows.size;
  }

  async insert(fields: SoftwarePackageFields): Promise<SoftwarePackageEntity | 'name-version-taken'> {
    if (await this.isNameVersionTaken(fields.accountId, fields.source, fields.name, fields.version)) return 'name-version-taken';
    const now = this.clock.now();
    this.rows.set(fields.id, { ...fields, deletingSince: null, createdAt: now, updatedAt: now });
    return this.stored(fields.id)!;
  }

  async findInAccount(id: string, accountId: string): Promise<SoftwarePackageEntity | null> {
    const row = this.stored(id);
    return row?.accountId === accountId ? row : null;
  }

  async isNameVersionTaken(accountId: string, source: PackageSource, name: string, version: string): Promise<boolean> {
    return [...this.rows.values()].some(
      (row) =>
        row.accountId === accountId &&
        row.source === source &&
        row.name.toLowerCase() === name.toLowerCase() &&
        row.version.toLowerCase() === version.toLowerCase(),
    );
  }

  async claimVerification(id: string): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'PENDING_UPLOAD' || this.live(row.verifyingSince, VERIFICATION_LEASE_MINUTES)) return false;
    row.verifyingSince = this.clock.now();
    return true;
  }

  async releaseVerification(id: string): Promise<void> {
    const row = this.rows.get(id);
    if (row) row.verifyingSince = null;
  }

  async saveVerdict(pkg: SoftwarePackageEntity): Promise<SoftwarePackageEntity> {
    this.rows.set(pkg.id, { ...pkg, updatedAt: this.clock.now() });
    return this.stored(pkg.id)!;
  }

  async claimDeletion(id: string): Promise<Date | null> {
    const row = this.rows.get(id);
    if (!row || this.live(row.deletingSince, DELETION_LEASE_MINUTES)) return null;
    row.deletingSince = this.clock.now();
    return row.deletingSince;
  }

  async releaseDeletion(id: string, claim: Date): Promise<void> {
    const row = this.rows.get(id);
    if (row && row.deletingSince?.getTime() === claim.getTime()) row.deletingSince = null;
  }

  async deleteClaimed(id: string, claim: Date): Promise<boolean> {
    return this.rows.get(id)?.deletingSince?.getTime() === claim.getTime() && this.rows.delete(id);
  }

  async page(reader: PackageReader, request: ListPackagesRequest): Promise<Page<SoftwarePackageEntity>> {
    const after = request.after ? decodeCursor(request.after) : null;
    const first = request.first ?? 20;
    const rows = [...this.rows.values()]
      .filter(
        (row) =>
          row.accountId === reader.accountId &&
          allows(reader.ability, Actions.package.list, row.enterpriseProjectId) &&
          !row.deletingSince &&
          (!request.techStack || row.techStack === request.techStack) &&
          (!request.enterpriseProjectId || row.enterpriseProjectId === request.enterpriseProjectId) &&
          (!request.readyOnly || row.status === 'READY'),
      )
      .filter((row) => !after || isBefore(row, after))
      .sort((a, b) => (isBefore(a, [b.createdAt, b.id]) ? 1 : -1));
    const edges = rows.slice(0, first).map((row) => ({ node: { ...row }, cursor: encodeCursor(row.createdAt, row.id) }));
    return { edges, hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null };
  }

  /** A claim taken less than the lease ago belongs to a request that may still be working. */
  private live(since: Date | null, leaseMinutes: number): boolean {
    return since !== null && since.getTime() >= this.clock.now().getTime() - leaseMinutes * MINUTE;
  }
}

function isBefore(row: SoftwarePackageEntity, [createdAt, id]: [Date, string]): boolean {
  return row.createdAt.getTime() < createdAt.getTime() || (row.createdAt.getTime() === createdAt.getTime() && row.id < id);
}
