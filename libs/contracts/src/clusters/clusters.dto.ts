export type ClusterType = 'CCE_TURBO' | 'CCE_STANDARD' | 'KUBERNETES' | 'LOCAL';
export const CLUSTER_STATUSES = ['CONNECTING', 'AVAILABLE', 'UNAVAILABLE'] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];

export interface LabelDto {
  key: string;
  value: string;
}

export interface ClusterNodeDto {
  name: string;
  labels: LabelDto[];
  ready: boolean;
  internalIP: string | null;
  /** The bound EIP: a build node without one cannot fetch packages or base images. */
  externalIP: string | null;
}

export interface ClusterDto {
  id: string;
  accountId: string;
  enterpriseProjectId: string;
  name: string;
  type: ClusterType;
  status: ClusterStatus;
  /** Why the cluster is UNAVAILABLE (never contains credentials). */
  statusReason: string | null;
  /** The API server, for Kubernetes clusters. */
  server: string | null;
  buildNamespace: string | null;
  nodes: ClusterNodeDto[];
  createdAt: string;
}

/** Which nodes of a cluster could run a build pinned to some labels. */
export interface NodeSelectionDto {
  clusterId: string;
  /** The cluster's project: jobs checks a job's cluster belongs to the job's project with this one answer. */
  enterpriseProjectId: string;
  /** Ready nodes carrying every label. */
  matching: ClusterNodeDto[];
  /** Of those, the ones with an ExternalIP: the nodes a build may run on. */
  eligible: ClusterNodeDto[];
}

/** Where a build starts (clusters.build-target.v1): the cluster, its eligible nodes, and its connection. */
export interface BuildTargetDto {
  cluster: ClusterDto;
  nodes: NodeSelectionDto;
  /** Kubernetes clusters only; null for LOCAL. */
  connection: ClusterConnectionDto | null;
}

/** What the builds service needs to run builds on a Kubernetes cluster (never leaves the backend). */
export interface ClusterConnectionDto {
  clusterId: string;
  type: ClusterType;
  buildNamespace: string;
  kubeconfig: string;
}
