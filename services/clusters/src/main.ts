import '@stagecraft/observability/defer-unused-modules';
import './telemetry';
import 'reflect-metadata';

import { loadConfig } from '@stagecraft/config';
import { releaseMemoryWhenIdle } from '@stagecraft/observability';

import { ClustersConfig } from './config';
import { startClusters } from './start-clusters';

async function main(): Promise<void> {
  const config = loadConfig(ClustersConfig);
  await startClusters(config);
  releaseMemoryWhenIdle();
}

main().catch((error: unknown) => {
  console.error(`clusters failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
