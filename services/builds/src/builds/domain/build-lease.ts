import type { BuildEntity } from '../infra/build.entity';

/**
 * Whether `build` is another runner's: it has a lease of a runner other than `runnerId` that has
 * not run out at `now`. Such a build is left to its runner (a cancel reaches it through its lease).
 */
export function isLeasedByAnother(
  build: Pick<BuildEntity, 'runnerId' | 'leaseExpiresAt'> | null,
  runnerId: string,
  now: Date,
): boolean {
  return !!build?.runnerId && build.runnerId !== runnerId && !!build.leaseExpiresAt && build.leaseExpiresAt > now;
}
