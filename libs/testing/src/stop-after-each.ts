/**
 * Registers an `afterEach` that stops, in the order asked, whatever the test started, and answers
 * the function that asks for it. Jest reuses its workers from file to file: something stopped
 * only at the end of a test's body keeps running (timers, SQL, child processes) when an assertion
 * before it fails, into the next tests and the next files. Call it in a describe block or at a
 * file's top level.
 */
export function stopAfterEach(): (stop: () => unknown) => void {
  const stops: (() => unknown)[] = [];
  afterEach(() => stopInTurn(stops.splice(0)));
  return (stop) => void stops.push(stop);
}

/** Runs each stop after the one before has settled; every one runs even when one throws, and the first error is thrown after. */
export async function stopInTurn(stops: (() => unknown)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const stop of stops)
    await Promise.resolve()
      .then(stop)
      .catch((error: unknown) => errors.push(error));
  if (errors.length > 0) throw errors[0];
}
