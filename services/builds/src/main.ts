import '@stagecraft/observability/defer-unused-modules';
import './telemetry';
import 'reflect-metadata';

import { loadConfig } from '@stagecraft/config';
import { releaseMemoryWhenIdle } from '@stagecraft/observability';

import { BuildsConfig } from './config';
import { startBuilds } from './start-builds';

async function main(): Promise<void> {
  const config = loadConfig(BuildsConfig);
  await startBuilds(config);
  releaseMemoryWhenIdle();
}

main().catch((error: unknown) => {
  console.error(`builds failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
