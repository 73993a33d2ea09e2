import { registryBackoffMs } from './registry-backoff';

const MINUTE = 60_000;

describe('registryBackoffMs: the wait of the base-image watcher and of pruned-image deletion', () => {
  it.each([
    [1, 1 * MINUTE],
    [2, 2 * MINUTE],
    [3, 4 * MINUTE],
    [9, 256 * MINUTE],
    // 512 minutes would pass the cap: at most 6 hours between two asks of a failing registry.
    [10, 360 * MINUTE],
    [40, 360 * MINUTE],
  ])('after %i failures in a row, waits %i ms', (failures, wait) => expect(registryBackoffMs(failures)).toBe(wait));
});
