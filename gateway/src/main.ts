import 'reflect-metadata';

import { loadConfig } from '@stagecraft/config';

import { GatewayConfig } from './config';
import { startGateway } from './start-gateway';

async function main(): Promise<void> {
  const config = loadConfig(GatewayConfig);
  await startGateway(config);
  console.log(`gateway listening on ${config.HOST}:${config.PORT}, GraphQL at /graphql`);
}

main().catch((error: unknown) => {
  console.error(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
