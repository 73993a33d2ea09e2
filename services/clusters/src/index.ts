// What whole-platform tests, the benchmarks and the launcher may use of the clusters service.
export { ClustersConfig } from './config';
export { startClusters } from './start-clusters';
