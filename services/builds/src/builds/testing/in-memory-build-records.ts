import { Actions, type Caller } from '@stagecraft/authz';
import type { BuildCountsDto, BuildDto, BuildStatus } from '@stagecraft/contracts';
import { decodeCursor, encodeCursor, type Page, type PageRequest } from '@stagecraft/persistence';

import { isLeasedByAnother } from '../domain/build-lease';
import { BuildRecords, JobDeletedError, NEW_BUILD_STATE, type NewBuild, type TransitionChanges } from '../domain/build-records';
import { applyTransition } from '../domain/build-transition';
import type { BuildEntity } from '../infra/build.entity';
import { toBuildDto } from '../infra/build-dto';

/** BuildRecords in a Map, with each event as the outbox would hold it. */
export class InMemoryBuildRecords implements BuildRecords {
  readonly rows = new Map<string, BuildEntity>();
  readonly events: { type: string; build: BuildDto }[] = [];
  private readonly deletedJobs = new Set<string>();

  async create(build: NewBuild): Promise<BuildEntity> {
    if (this.deletedJobs.has(build.jobId)) throw new JobDeletedError();
    const numbers = [...this.rows.values()].filter((row) => row.jobId === build.jobId).map((row) => row.number);
    const now = new Date();
    const row: BuildEntity = {
      ...structuredClone(build),
      packageUrl: build.packageUrl ?? null,
      packageGrant: build.packageGrant ?? null,
      trigger: build.trigger ?? 'MANUAL',
      baseChange: build.baseChange ?? null,
      number: Math.max(0, ...numbers) + 1,
      ...NEW_BUILD_STATE,
      createdAt: now,
      updatedAt: now,
    };
    this.rows.set(row.id, row);
    this.events.push({ type: 'queued', build: toBuildDto(row) });
    return structuredClone(row);
  }

  async transition(
    id: string,
    to: BuildStatus,
    changes: TransitionChanges = {},
    allowedFrom?: BuildStatus[],
  ): Promise<BuildEntity | null> {
    const row = this.rows.get(id);
    if (!row || !applyTransition(row, to, changes, allowedFrom)) return null;
    this.events.push({ type: to.toLowerCase(), build: toBuildDto(row) });
    return structuredClone(row);
  }

  async findInAccount(accountId: string, id: string): Promise<BuildEntity | null> {
    const row = this.rows.get(id);
    return row?.accountId === accountId ? structuredClone(row) : null;
  }

  private visibleOfJob(caller: Caller, jobId: string): BuildEntity[] {
    return this.ofJob(caller.accountId, jobId).filter(
      (row) =>
        caller.can(Actions.assembling.list, row.enterpriseProjectId) &&
        caller.can(Actions.assembling.get, row.enterpriseProjectId),
    );
  }

  async get(id: string): Promise<BuildEntity> {
    const row = this.rows.get(id);
    if (!row) throw new Error(`no build ${id}`);
    return structuredClone(row);
  }

  async visibleCountsOfJob(caller: Caller, jobId: string): Promise<BuildCountsDto> {
    const visible = this.visibleOfJob(caller, jobId);
    return {
      total: visible.length,
      finished: visible.filter((row) => row.finishedAt !== null).length,
      succeeded: visible.filter((row) => row.status === 'SUCCEEDED').length,
    };
  }

  async visiblePageOfJob(caller: Caller, jobId: string, page: PageRequest): Promise<Page<BuildEntity>> {
    const after = page.after ? decodeCursor(page.after) : null;
    const visible = this.visibleOfJob(caller, jobId)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id))
      .filter(
        (row) => !after || row.createdAt < after[0] || (row.createdAt.getTime() === after[0].getTime() && row.id < after[1]),
      );
    const first = page.first ?? 20;
    const edges = visible
      .slice(0, first)
      .map((row) => ({ node: structuredClone(row), cursor: encodeCursor(row.createdAt, row.id) }));
    return { edges, hasNextPage: visible.length > first, endCursor: edges.at(-1)?.cursor ?? null };
  }

  async lastOfJobs(accountId: string, jobIds: string[]): Promise<BuildEntity[]> {
    return jobIds
      .map((jobId) => this.ofJob(accountId, jobId).sort((a, b) => b.number - a.number)[0])
      .filter((row): row is BuildEntity => row !== undefined)
      .map((row) => structuredClone(row));
  }

  async projectsOfJob(accountId: string, jobId: string): Promise<string[]> {
    return [...new Set(this.ofJob(accountId, jobId).map((row) => row.enterpriseProjectId))];
  }

  async deleteJobBuilds(accountId: string, jobId: string): Promise<{ unfinished: number; deleted: number }> {
    const builds = this.ofJob(accountId, jobId);
    const unfinished = builds.filter((row) => row.finishedAt === null).length;
    if (unfinished > 0) return { unfinished, deleted: 0 };
    this.deletedJobs.add(jobId);
    for (const row of builds) this.rows.delete(row.id);
    return { unfinished: 0, deleted: builds.length };
  }

  async leasedByAnotherRunner(id: string, runnerId: string, now: Date): Promise<boolean> {
    return isLeasedByAnother(this.rows.get(id) ?? null, runnerId, now);
  }

  private ofJob(accountId: string, jobId: string): BuildEntity[] {
    return [...this.rows.values()].filter((row) => row.accountId === accountId && row.jobId === jobId);
  }
}
