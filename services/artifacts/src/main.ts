import '@stagecraft/observability/defer-unused-modules';
import './telemetry';
import 'reflect-metadata';

import { loadConfig } from '@stagecraft/config';
import { releaseMemoryWhenIdle } from '@stagecraft/observability';

import { ArtifactsConfig } from './config';
import { startArtifacts } from './start-artifacts';

async function main(): Promise<void> {
  const config = loadConfig(ArtifactsConfig);
  await startArtifacts(config);
  releaseMemoryWhenIdle();
}

main().catch((error: unknown) => {
  console.error(`artifacts failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
