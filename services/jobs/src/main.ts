import '@stagecraft/observability/defer-unused-modules';
import './telemetry';
import 'reflect-metadata';

import { loadConfig } from '@stagecraft/config';
import { releaseMemoryWhenIdle } from '@stagecraft/observability';

import { JobsConfig } from './config';
import { startJobs } from './start-jobs';

async function main(): Promise<void> {
  const config = loadConfig(JobsConfig);
  await startJobs(config);
  releaseMemoryWhenIdle();
}

main().catch((error: unknown) => {
  console.error(`jobs failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
