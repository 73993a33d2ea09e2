import '@stagecraft/observability/defer-unused-modules';
import './telemetry';
import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import { loadConfig } from '@stagecraft/config';
import { releaseMemoryWhenIdle } from '@stagecraft/observability';

import { GatewayConfig } from './config';
import { startGateway } from './start-gateway';

async function main(): Promise<void> {
  const config = loadConfig(GatewayConfig);
  await startGateway(config);
  releaseMemoryWhenIdle();
  // Through the app's logger: a JSON line like every other one in the log.
  new Logger('Gateway').log(`gateway listening on ${config.HOST}:${config.PORT}, GraphQL at /graphql`);
}

main().catch((error: unknown) => {
  console.error(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
