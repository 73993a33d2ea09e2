export const ClustersSubjects = {
  registerCluster: 'clusters.register.v1',
  refreshCluster: 'clusters.refresh.v1',
  deleteCluster: 'clusters.delete.v1',
  getCluster: 'clusters.get.v1',
  listClusters: 'clusters.list.v1',
  selectNodes: 'clusters.nodes.select.v1',
  /**
   * Service-to-service only (the builds service, when a build starts), in one reply: the cluster,
   * the nodes a build with these labels may run on, and a Kubernetes cluster's kubeconfig in clear.
   * The gateway never calls it; NATS permissions restrict it to the builds service.
   */
  buildTarget: 'clusters.build-target.v1',
  health: 'clusters.health.v1',
} as const;
