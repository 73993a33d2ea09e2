import type { BuildStatus } from '@stagecraft/contracts';

import type { BuildEntity } from '../infra/build.entity';
import type { TransitionChanges } from './build-records';
import { canMove, defaultReason, isTerminal } from './build-state';

/**
 * Moves `build` to `to`, in place, if its state allows it (false when it does not: another writer
 * got there first). A terminal state sets `finishedAt`; RUNNING sets `startedAt`.
 */
export function applyTransition(
  build: BuildEntity,
  to: BuildStatus,
  changes: TransitionChanges,
  allowedFrom?: BuildStatus[],
): boolean {
  if (!canMove(build.status, to) || (allowedFrom && !allowedFrom.includes(build.status))) return false;
  Object.assign(build, changes, { status: to });
  if (to === 'RUNNING' && !build.startedAt) build.startedAt = new Date();
  if (isTerminal(to)) {
    build.finishedAt = new Date();
    build.reason = changes.reason ?? build.reason ?? defaultReason(to);
  }
  return true;
}
