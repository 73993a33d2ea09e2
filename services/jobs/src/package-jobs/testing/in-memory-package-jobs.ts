import { randomUUID } from 'node:crypto';

import type { ListPackageJobsRequest } from '@stagecraft/contracts';
import { encodeCursor, type Page } from '@stagecraft/persistence';

import { type PackageJobFields, PackageJobs, type VisibleTo } from '../domain/package-jobs';
import type { PackageJobEntity } from '../infra/package-job.entity';

/** PackageJobs in a Map, with the same name rule as package_jobs_project_name. */
export class InMemoryPackageJobs extends PackageJobs {
  readonly rows = new Map<string, PackageJobEntity>();

  async insert(job: PackageJobFields): Promise<PackageJobEntity | 'name-taken'> {
    const taken = [...this.rows.values()].some(
      (row) =>
        row.accountId === job.accountId &&
        row.enterpriseProjectId === job.enterpriseProjectId &&
        row.name.toLowerCase() === job.name.toLowerCase(),
    );
    if (taken) return 'name-taken';
    const now = new Date();
    const row: PackageJobEntity = { ...structuredClone(job), id: randomUUID(), createdAt: now, updatedAt: now };
    this.rows.set(row.id, row);
    return structuredClone(row);
  }

  async findInAccount(id: string, accountId: string): Promise<PackageJobEntity | null> {
    const row = this.rows.get(id);
    return row && row.accountId === accountId ? structuredClone(row) : null;
  }

  async updateAtVersion(id: string, version: number, changes: Partial<PackageJobFields>): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.version !== version) return false;
    this.rows.set(id, { ...row, ...structuredClone(changes), version: version + 1, updatedAt: new Date() });
    return true;
  }

  async delete(id: string): Promise<void> {
    this.rows.delete(id);
  }

  /** Newest first like the real one; the caller's SQL filter has no meaning here, the account does. */
  async page(
    visible: VisibleTo,
    request: ListPackageJobsRequest,
  ): Promise<Page<PackageJobEntity> & { totalCount: number | null }> {
    const rows = [...this.rows.values()]
      .filter((row) => row.accountId === visible.accountId)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const first = request.first ?? 20;
    const edges = rows
      .slice(0, first)
      .map((node) => ({ node: structuredClone(node), cursor: encodeCursor(node.createdAt, node.id) }));
    return {
      edges,
      hasNextPage: rows.length > first,
      endCursor: edges.at(-1)?.cursor ?? null,
      totalCount: request.withTotalCount ? rows.length : null,
    };
  }

  async countUsing(
    accountId: string,
    enterpriseProjectId: string,
    uses: { packageId: string } | { clusterId: string },
  ): Promise<number> {
    return [...this.rows.values()].filter(
      (row) =>
        row.accountId === accountId &&
        row.enterpriseProjectId === enterpriseProjectId &&
        ('packageId' in uses ? row.packageId === uses.packageId : row.clusterId === uses.clusterId),
    ).length;
  }
}
