/**
 * Runs a benchmark's `main`, which closes everything it opened: if a handle still keeps the
 * process alive 10 s after it resolves, says so and stops with a failure.
 */
export function runBench(name: string, main: () => Promise<void>): void {
  main().then(
    () =>
      setTimeout(() => {
        console.error(`${name}: the process did not exit by itself after closing everything`);
        process.exit(1);
      }, 10_000).unref(),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
