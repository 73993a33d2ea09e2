import { buildAbility, Caller, compilePolicies, type EnterpriseProjectScope } from '@stagecraft/authz';
import type { EgressPolicy } from '@stagecraft/config';
import { ClusterErrorReason, ErrorCode, type RegisterClusterRequest } from '@stagecraft/contracts';
import type { NatsRpcClient } from '@stagecraft/messaging';
import type { SecretBox } from '@stagecraft/secrets';

import { ClustersConfig } from '../config';
import type { ClusterWatchOwnership } from './cluster-watch-ownership';
import { ClustersService } from './clusters.service';
import type { ClusterEntity } from './infra/cluster.entity';
import type { ClusterRepository } from './infra/cluster.repository';
import type { ClusterNodesRepository } from './infra/cluster-nodes.repository';
import { InMemoryClusterRepository } from './testing/in-memory-cluster.repository';
import { InMemoryClusterNodesRepository } from './testing/in-memory-cluster-nodes.repository';

const ACCOUNT = 'account-1';
const PROJECT = 'project-1';
const CLUSTER = '00000000-0000-4000-8000-0000000000c1';

const admin = new Caller('admin-1', ACCOUNT, true, buildAbility(compilePolicies([], true)), {});
/** Holds every cluster right, in PROJECT only. */
const operator = new Caller(
  'operator-1',
  ACCOUNT,
  false,
  buildAbility(
    compilePolicies(
      [
        {
          policy: {
            id: 'policy-1',
            name: 'cluster-operators',
            statements: [{ effect: 'ALLOW', actions: ['servicestage:cluster:*'] }],
          },
          enterpriseProjectIds: [PROJECT],
        },
      ],
      false,
    ),
  ),
  {},
);

/** Only the collaborators a LOCAL cluster and a deletion reach; the Kubernetes side is not under test here. */
function setup({ jobCount = 0 } = {}) {
  const clusters = new InMemoryClusterRepository();
  const nodes = new InMemoryClusterNodesRepository();
  const disconnected: string[] = [];
  const watchOwnership = { release: async (id: string) => void disconnected.push(id), sweepSoon: () => undefined };
  const scope = { forCreate: async () => PROJECT };
  const jobs = { send: async () => ({ jobCount }) };
  const config = Object.assign(new ClustersConfig(), { LOCAL_NODE_NAME: 'this-machine', LOCAL_NODE_INTERNAL_IP: '10.0.0.5' });
  const service = new ClustersService(
    clusters as unknown as ClusterRepository,
    nodes as unknown as ClusterNodesRepository,
    watchOwnership as unknown as ClusterWatchOwnership,
    scope as unknown as EnterpriseProjectScope,
    {} as SecretBox,
    config,
    jobs as unknown as NatsRpcClient,
    {} as EgressPolicy,
  );
  const seedCluster = (fields: Partial<ClusterEntity> = {}) =>
    clusters.seed({ id: CLUSTER, accountId: ACCOUNT, enterpriseProjectId: PROJECT, name: 'builders', ...fields });
  return { service, clusters, disconnected, seedCluster };
}

const local = (name: string): RegisterClusterRequest => ({ name, type: 'LOCAL' });

describe('ClustersService.register', () => {
  it('registers a LOCAL cluster with this machine as its one node', async () => {
    const { service, clusters } = setup();
    const cluster = await service.register(admin, local('here'));
    expect(cluster).toMatchObject({ name: 'here', type: 'LOCAL', status: 'AVAILABLE', enterpriseProjectId: PROJECT });
    expect(cluster.nodes).toEqual([expect.objectContaining({ name: 'this-machine', ready: true, internalIP: '10.0.0.5' })]);
    expect(clusters.clusters.map((c) => c.id)).toEqual([cluster.id]);
  });

  it('refuses a name the account already uses, whatever its case: CONFLICT NAME_TAKEN on name', async () => {
    const { service, clusters } = setup();
    await service.register(admin, local('here'));
    await expect(service.register(admin, local('Here'))).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      reason: ClusterErrorReason.NAME_TAKEN,
      field: 'name',
      message: 'a cluster named Here already exists',
    });
    expect(clusters.clusters).toHaveLength(1);
  });

  it('keeps LOCAL clusters for administrators: FORBIDDEN ADMIN_ONLY, even with every cluster right', async () => {
    const { service, clusters } = setup();
    await expect(service.register(operator, local('here'))).rejects.toMatchObject({
      code: ErrorCode.FORBIDDEN,
      reason: ClusterErrorReason.ADMIN_ONLY,
    });
    expect(clusters.clusters).toEqual([]);
  });
});

describe('ClustersService.delete', () => {
  it('deletes an unused cluster and stops watching it', async () => {
    const { service, clusters, disconnected, seedCluster } = setup();
    seedCluster();
    await expect(service.delete(operator, CLUSTER)).resolves.toEqual({ id: CLUSTER });
    expect(clusters.clusters).toEqual([]);
    expect(disconnected).toEqual([CLUSTER]);
  });

  it('refuses a cluster package jobs use: CONFLICT CLUSTER_IN_USE, and gives the cluster back', async () => {
    const { service, clusters, disconnected, seedCluster } = setup({ jobCount: 2 });
    const cluster = seedCluster();
    await expect(service.delete(operator, CLUSTER)).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      reason: ClusterErrorReason.CLUSTER_IN_USE,
      field: 'id',
      message: 'the cluster is used by 2 package job(s); change or delete them first',
    });
    expect(clusters.clusters).toEqual([cluster]);
    expect(cluster.deletingSince).toBeNull();
    expect(disconnected).toEqual([]);
  });

  it('refuses while another request is deleting the cluster: CONFLICT BUSY, its tombstone kept', async () => {
    const { service, clusters, seedCluster } = setup();
    const tombstone = new Date();
    const cluster = seedCluster({ deletingSince: tombstone });
    await expect(service.delete(operator, CLUSTER)).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      reason: ClusterErrorReason.BUSY,
      field: 'id',
    });
    expect(clusters.clusters).toEqual([cluster]);
    expect(cluster.deletingSince).toBe(tombstone);
  });

  it('answers a cluster of a project the caller holds no right in as a missing one: NOT_FOUND', async () => {
    const { service, clusters, seedCluster } = setup();
    const elsewhere = seedCluster({ enterpriseProjectId: 'project-2' });
    await expect(service.delete(operator, CLUSTER)).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
      reason: ClusterErrorReason.CLUSTER_NOT_FOUND,
    });
    expect(clusters.clusters).toEqual([elsewhere]);
  });
});
