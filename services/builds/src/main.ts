import './telemetry';
import 'reflect-metadata';

import { loadConfig } from '@stagecraft/config';

import { BuildsConfig } from './config';
import { startBuilds } from './start-builds';

async function main(): Promise<void> {
  const config = loadConfig(BuildsConfig);
  await startBuilds(config);
}

main().catch((error: unknown) => {
  console.error(`builds failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
