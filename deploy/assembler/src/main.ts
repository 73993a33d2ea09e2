// The build container's entry point: `node dist/libs/oci/src/cli/main.js assemble|fetch`.
// The contract (environment, phase markers, termination message, exit codes) is in
// docs/clusters.md, "The build container (assembler CLI)"; the work is in assembler-cli.ts.
import { BUILD_POD_EXIT_CODES, TERMINATED_EXIT_CODE } from '@stagecraft/contracts';

import { runAssemblerCli } from './assembler-cli';

/** After SIGTERM the work is aborted; if it has not wound down by then, the process ends anyway. */
const TERMINATION_GRACE_MS = 5_000;

const controller = new AbortController();
process.once('SIGTERM', () => {
  controller.abort(new Error('terminated by SIGTERM'));
  setTimeout(() => process.exit(TERMINATED_EXIT_CODE), TERMINATION_GRACE_MS).unref();
});

runAssemblerCli(process.argv[2], {
  env: process.env,
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  signal: controller.signal,
}).then(exitAfterOutput, () => exitAfterOutput(BUILD_POD_EXIT_CODES.ERROR));

/** Exits once stdout and stderr have flushed (writes to a pipe are asynchronous). */
function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
