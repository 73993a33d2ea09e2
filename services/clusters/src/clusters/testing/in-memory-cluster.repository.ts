import { Actions, allows, type AppAbility } from '@stagecraft/authz';
import type { ListClustersRequest } from '@stagecraft/contracts';
import type { Page } from '@stagecraft/persistence';

import { ClusterEntity } from '../infra/cluster.entity';
import type { ClusterFields, ClusterRepository, ClusterStatusFields } from '../infra/cluster.repository';

/** What callers of a class can reach: a fake implements this, as it has none of the private parts. */
type PublicPartOf<T> = { [K in keyof T]: T[K] };

const DELETION_LEASE_MS = 5 * 60_000;

/**
 * ClusterRepository over an array, for use-case specs without Postgres. It keeps what the use
 * cases rely on: one cluster name per account whatever its case (clusters_account_name), and the
 * deletion tombstone with its lease. A page holds every visible cluster, newest first.
 */
export class InMemoryClusterRepository implements PublicPartOf<ClusterRepository> {
  readonly clusters: ClusterEntity[] = [];

  /** A stored cluster, as an earlier request left it. */
  seed(fields: Partial<ClusterEntity> & Pick<ClusterEntity, 'id' | 'accountId' | 'enterpriseProjectId' | 'name'>): ClusterEntity {
    const now = new Date();
    const cluster = Object.assign(new ClusterEntity(), {
      type: 'LOCAL',
      status: 'AVAILABLE',
      statusReason: null,
      server: null,
      kubeconfigSealed: null,
      buildNamespace: null,
      deletingSince: null,
      createdBy: 'seed',
      createdAt: now,
      updatedAt: now,
      ...fields,
    });
    this.clusters.push(cluster);
    return cluster;
  }

  async listWithKubeconfig(): Promise<ClusterEntity[]> {
    return this.clusters.filter((c) => c.kubeconfigSealed !== null);
  }

  async findInAccount(accountId: string, id: string): Promise<ClusterEntity | null> {
    return this.clusters.find((c) => c.id === id && c.accountId === accountId) ?? null;
  }

  async getById(id: string): Promise<ClusterEntity> {
    const cluster = this.clusters.find((c) => c.id === id);
    if (!cluster) throw new Error(`no cluster ${id}`);
    return cluster;
  }

  async insert(fields: ClusterFields): Promise<ClusterEntity | 'name-taken'> {
    const name = fields.name.toLowerCase();
    if (this.clusters.some((c) => c.accountId === fields.accountId && c.name.toLowerCase() === name)) return 'name-taken';
    return this.seed(fields);
  }

  async updateStatus(id: string, status: ClusterStatusFields): Promise<void> {
    Object.assign(await this.getById(id), status, { updatedAt: new Date() });
  }

  async page(accountId: string, ability: AppAbility, request: ListClustersRequest): Promise<Page<ClusterEntity>> {
    const nodes = this.clusters
      .filter(
        (c) => c.accountId === accountId && !c.deletingSince && allows(ability, Actions.cluster.list, c.enterpriseProjectId),
      )
      .filter((c) => !request.enterpriseProjectId || c.enterpriseProjectId === request.enterpriseProjectId)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    return { edges: nodes.map((node) => ({ cursor: node.id, node })), hasNextPage: false, endCursor: nodes.at(-1)?.id ?? null };
  }

  async claimDeletion(id: string): Promise<Date | null> {
    const cluster = await this.getById(id);
    const now = new Date();
    if (cluster.deletingSince && cluster.deletingSince.getTime() >= now.getTime() - DELETION_LEASE_MS) return null;
    cluster.deletingSince = now;
    return now;
  }

  async releaseDeletion(id: string, claim: Date): Promise<void> {
    const cluster = this.clusters.find((c) => c.id === id);
    if (cluster?.deletingSince?.getTime() === claim.getTime()) cluster.deletingSince = null;
  }

  async deleteClaimed(id: string, claim: Date): Promise<boolean> {
    const index = this.clusters.findIndex((c) => c.id === id && c.deletingSince?.getTime() === claim.getTime());
    if (index < 0) return false;
    this.clusters.splice(index, 1);
    return true;
  }
}
