import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { ListPackageJobsRequest } from '@stagecraft/contracts';
import { type Page, paginate, unlessTaken } from '@stagecraft/persistence';
import { Repository } from 'typeorm';

import { type PackageJobFields, PackageJobs, type VisibleTo } from '../domain/package-jobs';
import { PackageJobEntity } from './package-job.entity';

/** The package_jobs table: every query of it, and the meaning of its constraints. */
@Injectable()
export class PackageJobRepository extends PackageJobs {
  constructor(@InjectRepository(PackageJobEntity) private readonly jobs: Repository<PackageJobEntity>) {
    super();
  }

  async insert(job: PackageJobFields): Promise<PackageJobEntity | 'name-taken'> {
    // package_jobs_project_name: one name per enterprise project, whatever its case.
    return unlessTaken(() => this.jobs.save(this.jobs.create(job)), 'name-taken');
  }

  findInAccount(id: string, accountId: string): Promise<PackageJobEntity | null> {
    return this.jobs.findOneBy({ id, accountId });
  }

  async updateAtVersion(id: string, version: number, changes: Partial<PackageJobFields>): Promise<boolean> {
    const result = await this.jobs
      .createQueryBuilder()
      .update()
      .set({ ...changes, version: () => 'version + 1' })
      .where('id = :id AND version = :version', { id, version })
      .execute();
    return Boolean(result.affected);
  }

  async delete(id: string): Promise<void> {
    await this.jobs.delete({ id });
  }

  async page(
    visible: VisibleTo,
    request: ListPackageJobsRequest,
  ): Promise<Page<PackageJobEntity> & { totalCount: number | null }> {
    const query = this.jobs
      .createQueryBuilder('j')
      .where('j.account_id = :accountId', { accountId: visible.accountId })
      .andWhere(visible.where.sql, visible.where.params);
    if (request.enterpriseProjectId)
      query.andWhere('j.enterprise_project_id = :projectId', { projectId: request.enterpriseProjectId });
    if (request.clusterId) query.andWhere('j.cluster_id = :clusterId', { clusterId: request.clusterId });
    if (request.nameContains)
      query.andWhere(`j.name ILIKE :pattern ESCAPE '\\'`, { pattern: `%${request.nameContains.replace(/[\\%_]/g, '\\$&')}%` });
    const totalCount = request.withTotalCount ? await query.clone().getCount() : null;
    return { ...(await paginate(query, { createdAt: 'j.created_at', id: 'j.id' }, request)), totalCount };
  }

  countUsing(
    accountId: string,
    enterpriseProjectId: string,
    uses: { packageId: string } | { clusterId: string },
  ): Promise<number> {
    return this.jobs.countBy({ accountId, enterpriseProjectId, ...uses });
  }
}
