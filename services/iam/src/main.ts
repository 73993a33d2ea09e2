import '@stagecraft/observability/defer-unused-modules';
import './telemetry';
import 'reflect-metadata';

import { loadConfig } from '@stagecraft/config';
import { releaseMemoryWhenIdle } from '@stagecraft/observability';

import { IamConfig } from './config';
import { startIam } from './start-iam';

async function main(): Promise<void> {
  const config = loadConfig(IamConfig);
  await startIam(config);
  releaseMemoryWhenIdle();
}

main().catch((error: unknown) => {
  console.error(`iam failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
