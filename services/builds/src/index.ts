// What whole-platform tests, the benchmarks and the launcher may use of the builds service.
export { BuildsConfig } from './config';
export { startBuilds } from './start-builds';
