import { stopEnsuredTestNatsServer } from '@stagecraft/testing';

/**
 * Runs a benchmark's `main`, which closes everything it opened: if a handle still keeps the
 * process alive 10 s after it resolves, says so (and what is still open) and stops with a failure.
 */
export function runBench(name: string, main: () => Promise<void>): void {
  main()
    .then(stopEnsuredTestNatsServer)
    .then(
      () =>
        setTimeout(() => {
          // What still holds the loop (Timeout, TCPSocketWrap, …) is where to look for the leak.
          const holding = process.getActiveResourcesInfo().filter((resource) => resource !== 'TTYWrap');
          console.error(
            `${name}: the process did not exit by itself after closing everything (still open: ${holding.join(', ')})`,
          );
          process.exit(1);
        }, 10_000).unref(),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
}
