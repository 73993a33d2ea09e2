import { randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { Actions, type Caller, EnterpriseProjectScope } from '@stagecraft/authz';
import { EgressPolicy } from '@stagecraft/config';
import {
  BuildTargetDto,
  ClusterConnectionDto,
  ClusterDto,
  ClusterError,
  ClusterErrorReason,
  ClusterNodeDto,
  JobsSubjects,
  LabelInput,
  ListClustersRequest,
  NodeSelectionDto,
  PageDto,
  RegisterClusterRequest,
  resourceNameProblem,
} from '@stagecraft/contracts';
import { parseKubeconfig, selectBuildNodes } from '@stagecraft/kube';
import { NatsRpcClient } from '@stagecraft/messaging';
import { SecretBox } from '@stagecraft/secrets';

import { ClustersConfig } from '../config';
import { type ClusterConnection, ClusterWatchOwnership } from './cluster-watch-ownership';
import { localNode, parseLabelList } from './domain/local-node';
import { ClusterEntity } from './infra/cluster.entity';
import { ClusterRepository } from './infra/cluster.repository';
import { ClusterNodesRepository } from './infra/cluster-nodes.repository';
import { SECRET_BOX } from './secret-box';

@Injectable()
export class ClustersService {
  constructor(
    private readonly clusters: ClusterRepository,
    private readonly nodes: ClusterNodesRepository,
    private readonly watchOwnership: ClusterWatchOwnership,
    private readonly scope: EnterpriseProjectScope,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    private readonly config: ClustersConfig,
    private readonly client: NatsRpcClient,
    private readonly egress: EgressPolicy,
  ) {}

  async register(caller: Caller, request: RegisterClusterRequest): Promise<ClusterDto> {
    const nameProblem = resourceNameProblem(request.name);
    if (nameProblem) throw new ClusterError(ClusterErrorReason.INVALID_FIELD, `name ${nameProblem}`, 'name');
    const id = randomUUID();
    let server: string | null = null;
    if (request.type === 'LOCAL') {
      // Builds on a LOCAL cluster run on the platform's own machine (docs/security.md).
      if (!caller.isAdmin)
        throw new ClusterError(
          ClusterErrorReason.ADMIN_ONLY,
          'only an administrator may register a LOCAL cluster: its builds run on the machine that runs the platform',
        );
      if (request.kubeconfig)
        throw new ClusterError(
          ClusterErrorReason.INVALID_KUBECONFIG,
          'a LOCAL cluster is this machine and takes no kubeconfig',
          'kubeconfig',
        );
    } else {
      if (!request.kubeconfig)
        throw new ClusterError(
          ClusterErrorReason.INVALID_KUBECONFIG,
          `a ${request.type} cluster needs a kubeconfig`,
          'kubeconfig',
        );
      const parsed = parseKubeconfig(request.kubeconfig, { egress: this.egress });
      if (!parsed.ok) throw new ClusterError(ClusterErrorReason.INVALID_KUBECONFIG, `kubeconfig ${parsed.problem}`, 'kubeconfig');
      server = parsed.server;
    }
    const enterpriseProjectId = await this.scope.forCreate(caller, request.enterpriseProjectId, Actions.cluster.create);
    // Locked before it is stored: this replica connects the new cluster, no other replica's sweep does.
    const claimed = request.type !== 'LOCAL' && (await this.watchOwnership.claimNew(id));
    const unclaim = async () => {
      if (claimed) await this.watchOwnership.release(id);
    };
    const insert = this.clusters.insert({
      id,
      accountId: caller.accountId,
      enterpriseProjectId,
      name: request.name,
      type: request.type,
      status: request.type === 'LOCAL' ? 'AVAILABLE' : 'CONNECTING',
      statusReason: null,
      server,
      kubeconfigSealed: request.kubeconfig ? this.secrets.seal(request.kubeconfig, id) : null,
      buildNamespace: request.type === 'LOCAL' ? null : this.config.BUILD_NAMESPACE,
      createdBy: caller.userId,
    });
    const cluster = await insert.catch(async (error: unknown) => {
      await unclaim();
      throw error;
    });
    if (cluster === 'name-taken') {
      await unclaim();
      throw new ClusterError(ClusterErrorReason.NAME_TAKEN, `a cluster named ${request.name} already exists`, 'name');
    }
    return this.connectAndAnswer(caller, cluster);
  }

  async refresh(caller: Caller, id: string): Promise<ClusterDto> {
    const cluster = await this.visible(caller, id);
    this.requireRight(caller, Actions.cluster.modify, cluster);
    return this.connectAndAnswer(caller, cluster);
  }

  /**
   * Races with job creation are decided by a tombstone (docs/package-jobs.md#races): it is
   * committed before jobs is asked for the cluster's usage, and jobs checks the cluster again
   * after storing a job, so one of the two always sees the other.
   */
  async delete(caller: Caller, id: string): Promise<{ id: string }> {
    const cluster = await this.visible(caller, id, { deleting: true });
    this.requireRight(caller, Actions.cluster.delete, cluster);
    const claim = await this.clusters.claimDeletion(cluster.id);
    if (!claim) throw new ClusterError(ClusterErrorReason.BUSY, 'the cluster is being deleted by another request', 'id');
    try {
      const { jobCount } = await this.client.send(
        JobsSubjects.usage,
        { clusterId: id, enterpriseProjectId: cluster.enterpriseProjectId },
        caller.meta,
      );
      if (jobCount > 0)
        throw new ClusterError(
          ClusterErrorReason.CLUSTER_IN_USE,
          `the cluster is used by ${jobCount} package job(s); change or delete them first`,
          'id',
        );
    } catch (error) {
      await this.clusters.releaseDeletion(cluster.id, claim);
      throw error;
    }
    await this.watchOwnership.release(id);
    if (!(await this.clusters.deleteClaimed(cluster.id, claim)))
      throw new ClusterError(ClusterErrorReason.BUSY, 'the cluster was being deleted by another request', 'id');
    this.watchOwnership.sweepSoon();
    return { id };
  }

  async get(caller: Caller, id: string): Promise<ClusterDto> {
    return this.toDto(await this.visible(caller, id));
  }

  async list(caller: Caller, request: ListClustersRequest): Promise<PageDto<ClusterDto>> {
    const page = await this.clusters.page(caller.accountId, caller.ability, request);
    const nodes = await this.nodes.forClusters(page.edges.map((edge) => edge.node.id));
    return {
      ...page,
      edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toDto(edge.node, nodes.get(edge.node.id) ?? []) })),
    };
  }

  /** The nodes a build pinned to `labels` may run on: ready, matching, and (but for LOCAL) with an EIP. */
  async selectNodes(caller: Caller, clusterId: string, labels: LabelInput[]): Promise<NodeSelectionDto> {
    return this.nodesFor(await this.visible(caller, clusterId), labels);
  }

  private async nodesFor(cluster: ClusterEntity, labels: LabelInput[]): Promise<NodeSelectionDto> {
    const clusterId = cluster.id;
    const nodes = (await this.nodes.forClusters([clusterId])).get(clusterId) ?? [];
    const wanted = Object.fromEntries(labels.map((label) => [label.key, label.value]));
    const selection = selectBuildNodes(
      nodes.map((node) => ({
        name: node.name,
        labels: Object.fromEntries(node.labels.map((label) => [label.key, label.value])),
        ready: node.ready,
        unschedulable: false,
        internalIP: node.internalIP ?? undefined,
        externalIP: node.externalIP ?? undefined,
      })),
      wanted,
    );
    const byName = new Map(nodes.map((node) => [node.name, node]));
    const matching = selection.nodes.map((candidate) => byName.get(candidate.name)!);
    const eligible =
      cluster.type === 'LOCAL' ? matching : selection.nodes.filter((n) => n.hasExternalIP).map((n) => byName.get(n.name)!);
    return { clusterId, enterpriseProjectId: cluster.enterpriseProjectId, matching, eligible };
  }

  /**
   * Where the builds service starts a build on the caller's behalf, in one answer: the cluster, the
   * nodes the job's labels select, and a Kubernetes cluster's kubeconfig. The caller must be
   * allowed to build in the cluster's project.
   */
  async buildTarget(caller: Caller, id: string, labels: LabelInput[]): Promise<BuildTargetDto> {
    const cluster = await this.visible(caller, id);
    this.requireRight(caller, Actions.assembling.create, cluster);
    const connection: ClusterConnectionDto | null = cluster.kubeconfigSealed
      ? {
          clusterId: cluster.id,
          type: cluster.type,
          buildNamespace: cluster.buildNamespace ?? this.config.BUILD_NAMESPACE,
          kubeconfig: this.secrets.open(cluster.kubeconfigSealed, cluster.id),
        }
      : null;
    return { cluster: await this.toDto(cluster), nodes: await this.nodesFor(cluster, labels), connection };
  }

  /**
   * Register and refresh: LOCAL is this machine; a Kubernetes cluster is checked now and answered
   * with its nodes as just listed, whichever replica watches it.
   */
  private async connectAndAnswer(caller: Caller, cluster: ClusterEntity): Promise<ClusterDto> {
    let connection: ClusterConnection | undefined;
    if (cluster.type === 'LOCAL') await this.nodes.replace(cluster.id, [this.localNode()]);
    else {
      connection = await this.watchOwnership.connect(cluster);
      this.watchOwnership.sweepSoon();
    }
    const stored = await this.clusters.getById(cluster.id);
    const dto = connection?.listedNodes ? toDto(stored, connection.listedNodes) : await this.toDto(stored);
    return this.withDetailFor(caller, connection, dto);
  }

  /** An administrator who registers or refreshes a cluster reads the detailed reason in the answer (never stored). */
  private withDetailFor(caller: Caller, connection: ClusterConnection | undefined, dto: ClusterDto): ClusterDto {
    const outcome = connection?.outcome;
    if (!caller.isAdmin || !outcome || outcome.ok || dto.status !== 'UNAVAILABLE') return dto;
    return { ...dto, statusReason: outcome.detail };
  }

  private localNode(): ClusterNodeDto {
    return localNode(
      this.config.LOCAL_NODE_NAME,
      parseLabelList(this.config.LOCAL_NODE_LABELS),
      this.config.LOCAL_NODE_INTERNAL_IP,
    );
  }

  /**
   * Another project's cluster answers exactly as a missing one; so does one being deleted, but to
   * a deletion (which may finish what a dead request left).
   */
  private async visible(caller: Caller, id: string, options: { deleting?: boolean } = {}): Promise<ClusterEntity> {
    const cluster = await this.clusters.findInAccount(caller.accountId, id);
    if (!cluster || !caller.can(Actions.cluster.get, cluster.enterpriseProjectId) || (cluster.deletingSince && !options.deleting))
      throw new ClusterError(ClusterErrorReason.CLUSTER_NOT_FOUND, 'cluster not found');
    return cluster;
  }

  private requireRight(caller: Caller, action: string, cluster: ClusterEntity): void {
    if (!caller.can(action, cluster.enterpriseProjectId))
      throw new ClusterError(ClusterErrorReason.ACTION_DENIED, `${action} is not allowed in this enterprise project`);
  }

  private async toDto(cluster: ClusterEntity): Promise<ClusterDto> {
    const nodes = await this.nodes.forClusters([cluster.id]);
    return toDto(cluster, nodes.get(cluster.id) ?? []);
  }
}

function toDto(cluster: ClusterEntity, nodes: ClusterNodeDto[]): ClusterDto {
  return {
    id: cluster.id,
    accountId: cluster.accountId,
    enterpriseProjectId: cluster.enterpriseProjectId,
    name: cluster.name,
    type: cluster.type,
    status: cluster.status,
    statusReason: cluster.statusReason,
    server: cluster.server,
    buildNamespace: cluster.buildNamespace,
    nodes,
    createdAt: cluster.createdAt.toISOString(),
  };
}
