export const ClustersSubjects = {
  registerCluster: 'clusters.register.v1',
  refreshCluster: 'clusters.refresh.v1',
  deleteCluster: 'clusters.delete.v1',
  getCluster: 'clusters.get.v1',
  listClusters: 'clusters.list.v1',
  selectNodes: 'clusters.nodes.select.v1',
  /**
   * Service-to-service only (the builds service, when a build starts): the cluster's kubeconfig in
   * clear. The gateway never calls it; restrict it to the builds service with NATS permissions.
   */
  getConnection: 'clusters.connection.get.v1',
  health: 'clusters.health.v1',
} as const;
