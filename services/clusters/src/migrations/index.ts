import { ClustersInitial1764000000200 } from './1764000000200-clusters-initial';
import { ClusterDeletionTombstone1765200000200 } from './1765200000200-cluster-deletion-tombstone';

/** Applied in order on start; never edit one that has shipped, add a new one. */
export const clustersMigrations = [ClustersInitial1764000000200, ClusterDeletionTombstone1765200000200];
