// What whole-platform tests, the benchmarks and the launcher may use of the iam service.
export { IamConfig } from './config';
export { startIam } from './start-iam';
