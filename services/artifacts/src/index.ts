// What whole-platform tests, the benchmarks and the launcher may use of the artifacts service.
export { ArtifactsConfig } from './config';
export { startArtifacts } from './start-artifacts';
