export const ClustersSubjects = {
  registerCluster: 'clusters.register.v1',
  refreshCluster: 'clusters.refresh.v1',
  deleteCluster: 'clusters.delete.v1',
  getCluster: 'clusters.get.v1',
  listClusters: 'clusters.list.v1',
  selectNodes: 'clusters.nodes.select.v1',
  health: 'clusters.health.v1',
} as const;
