import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { accessibleWhere, type AppAbility } from '@stagecraft/authz';
import type { ListClustersRequest } from '@stagecraft/contracts';
import { type Page, paginate, unlessTaken } from '@stagecraft/persistence';
import { IsNull, Not, Repository } from 'typeorm';

import { ClusterEntity } from './cluster.entity';

/** A deletion that started longer ago than this was abandoned (its process died). */
const DELETION_LEASE = "interval '5 minutes'";

/** A cluster as stored, without what storage assigns (timestamps) or what a deletion sets. */
export type ClusterFields = Omit<ClusterEntity, 'createdAt' | 'updatedAt' | 'deletingSince'>;

/** What a connection attempt leaves on the cluster for everyone who may see it. */
export type ClusterStatusFields = Pick<ClusterEntity, 'status' | 'statusReason'> & Partial<Pick<ClusterEntity, 'server'>>;

/** The clusters table: every query of it, and what its constraints and tombstone mean. */
@Injectable()
export class ClusterRepository {
  constructor(@InjectRepository(ClusterEntity) private readonly clusters: Repository<ClusterEntity>) {}

  /** Clusters reached through a kubeconfig: every one but LOCAL. */
  listWithKubeconfig(): Promise<ClusterEntity[]> {
    return this.clusters.findBy({ kubeconfigSealed: Not(IsNull()) });
  }

  findInAccount(accountId: string, id: string): Promise<ClusterEntity | null> {
    return this.clusters.findOneBy({ id, accountId });
  }

  /** A cluster this request has just written: its absence is a bug, not an answer. */
  getById(id: string): Promise<ClusterEntity> {
    return this.clusters.findOneByOrFail({ id });
  }

  /** Stores a new cluster; `'name-taken'` when the account already has a cluster of that name. */
  async insert(fields: ClusterFields): Promise<ClusterEntity | 'name-taken'> {
    const cluster = this.clusters.create(fields);
    // clusters_account_name: one name per account, whatever its case.
    return unlessTaken(async () => {
      await this.clusters.insert(cluster);
      return cluster;
    }, 'name-taken');
  }

  async updateStatus(id: string, status: ClusterStatusFields): Promise<void> {
    await this.clusters.update({ id }, status);
  }

  /**
   * A page of the account's clusters that `ability` may list (one project, when named), newest
   * first; clusters being deleted are left out.
   */
  async page(accountId: string, ability: AppAbility, request: ListClustersRequest): Promise<Page<ClusterEntity>> {
    const where = accessibleWhere(ability, 'list', 'cluster', { enterpriseProjectId: 'c.enterprise_project_id' });
    if (!where) return { edges: [], hasNextPage: false, endCursor: null };
    const query = this.clusters
      .createQueryBuilder('c')
      .where('c.account_id = :accountId', { accountId })
      .andWhere(where.sql, where.params);
    if (request.enterpriseProjectId)
      query.andWhere('c.enterprise_project_id = :projectId', { projectId: request.enterpriseProjectId });
    query.andWhere('c.deleting_since IS NULL');
    return paginate(query, { createdAt: 'c.created_at', id: 'c.id' }, request);
  }

  /**
   * Marks the cluster as being deleted, committed at once, and answers the tombstone; null when a
   * live one belongs to another request. A tombstone older than the lease was left by a request
   * that died, and is taken over.
   */
  async claimDeletion(id: string): Promise<Date | null> {
    const [rows]: [{ deleting_since: Date }[], number] = await this.clusters.manager.query(
      `UPDATE clusters SET deleting_since = now() WHERE id = $1
         AND (deleting_since IS NULL OR deleting_since < now() - ${DELETION_LEASE}) RETURNING deleting_since`,
      [id],
    );
    return rows.length ? rows[0].deleting_since : null;
  }

  /** Gives the cluster back, unless another request has taken the tombstone over since. */
  async releaseDeletion(id: string, claim: Date): Promise<void> {
    await this.clusters.update({ id, deletingSince: claim }, { deletingSince: null });
  }

  /** Deletes the cluster if `claim` is still its tombstone; false when another request took it over. */
  async deleteClaimed(id: string, claim: Date): Promise<boolean> {
    const deleted = await this.clusters.delete({ id, deletingSince: claim });
    return Boolean(deleted.affected);
  }
}
