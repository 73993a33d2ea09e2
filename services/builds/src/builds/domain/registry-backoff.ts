const FIRST_MS = 60_000;
const MAX_MS = 6 * 3_600_000;

/**
 * How long to leave a registry that failed `failures` times in a row before asking it again:
 * 1, 2, 4, … minutes, at most 6 hours apart. The base-image watcher and the deletion of pruned
 * images wait alike.
 */
export function registryBackoffMs(failures: number): number {
  return Math.min(FIRST_MS * 2 ** (failures - 1), MAX_MS);
}
