// What whole-platform tests, the benchmarks and the launcher may use of the jobs service.
export { JobsConfig } from './config';
export { startJobs } from './start-jobs';
