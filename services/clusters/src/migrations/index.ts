import { ClustersInitial1764000000200 } from './1764000000200-clusters-initial';

/** Applied in order on start; never edit one that has shipped, add a new one. */
export const clustersMigrations = [ClustersInitial1764000000200];
