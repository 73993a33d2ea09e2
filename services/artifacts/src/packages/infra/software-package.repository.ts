import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { accessibleWhere } from '@stagecraft/authz';
import type { ListPackagesRequest, PackageSource } from '@stagecraft/contracts';
import { type Page, paginate, unlessTaken } from '@stagecraft/persistence';
import { Repository } from 'typeorm';

import {
  DELETION_LEASE_MINUTES,
  type PackageReader,
  type SoftwarePackageFields,
  SoftwarePackages,
  VERIFICATION_LEASE_MINUTES,
} from '../domain/software-packages';
import { SoftwarePackageEntity } from './software-package.entity';

/** The software_packages table: every query of it, and the meaning of its constraints. */
@Injectable()
export class SoftwarePackageRepository extends SoftwarePackages {
  constructor(@InjectRepository(SoftwarePackageEntity) private readonly packages: Repository<SoftwarePackageEntity>) {
    super();
  }

  async insert(fields: SoftwarePackageFields): Promise<SoftwarePackageEntity | 'name-version-taken'> {
    const entity = this.packages.create(fields);
    // software_packages_identity: one name and version per account and source, whatever their case.
    return unlessTaken(async () => {
      // insert (not save) fills in created_at and updated_at on the entity.
      await this.packages.insert(entity);
      return entity;
    }, 'name-version-taken');
  }

  findInAccount(id: string, accountId: string): Promise<SoftwarePackageEntity | null> {
    return this.packages.findOneBy({ id, accountId });
  }

  isNameVersionTaken(accountId: string, source: PackageSource, name: string, version: string): Promise<boolean> {
    return this.packages
      .createQueryBuilder('p')
      .where(
        'p.account_id = :accountId AND p.source = :source AND lower(p.name) = lower(:name) AND lower(p.version) = lower(:version)',
        { accountId, source, name, version },
      )
      .getExists();
  }

  async claimVerification(id: string): Promise<boolean> {
    const claimed = await this.packages
      .createQueryBuilder()
      .update()
      .set({ verifyingSince: () => 'now()' })
      .where('id = :id', { id })
      .andWhere(`status = 'PENDING_UPLOAD'`)
      .andWhere(`(verifying_since IS NULL OR verifying_since < now() - interval '${VERIFICATION_LEASE_MINUTES} minutes')`)
      .execute();
    return Boolean(claimed.affected);
  }

  async releaseVerification(id: string): Promise<void> {
    await this.packages.update({ id }, { verifyingSince: null });
  }

  saveVerdict(pkg: SoftwarePackageEntity): Promise<SoftwarePackageEntity> {
    return this.packages.save(pkg);
  }

  async claimDeletion(id: string): Promise<Date | null> {
    const [rows]: [{ deleting_since: Date }[], number] = await this.packages.manager.query(
      `UPDATE software_packages SET deleting_since = now() WHERE id = $1
         AND (deleting_since IS NULL OR deleting_since < now() - interval '${DELETION_LEASE_MINUTES} minutes')
         RETURNING deleting_since`,
      [id],
    );
    return rows[0]?.deleting_since ?? null;
  }

  async releaseDeletion(id: string, claim: Date): Promise<void> {
    await this.packages.update({ id, deletingSince: claim }, { deletingSince: null });
  }

  async deleteClaimed(id: string, claim: Date): Promise<boolean> {
    const deleted = await this.packages.delete({ id, deletingSince: claim });
    return Boolean(deleted.affected);
  }

  async page(reader: PackageReader, request: ListPackagesRequest): Promise<Page<SoftwarePackageEntity>> {
    const where = accessibleWhere(reader.ability, 'list', 'package', { enterpriseProjectId: 'p.enterprise_project_id' });
    if (!where) return { edges: [], hasNextPage: false, endCursor: null };
    const query = this.packages
      .createQueryBuilder('p')
      .where('p.account_id = :accountId', { accountId: reader.accountId })
      .andWhere(where.sql, where.params);
    if (request.techStack) query.andWhere('p.tech_stack = :techStack', { techStack: request.techStack });
    if (request.enterpriseProjectId)
      query.andWhere('p.enterprise_project_id = :projectId', { projectId: request.enterpriseProjectId });
    if (request.readyOnly) query.andWhere(`p.status = 'READY'`);
    query.andWhere('p.deleting_since IS NULL');
    return paginate(query, { createdAt: 'p.created_at', id: 'p.id' }, request);
  }
}
