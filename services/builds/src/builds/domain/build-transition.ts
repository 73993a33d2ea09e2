import type { BuildStatus } from '@stagecraft/contracts';

import type { BuildEntity } from '../infra/build.entity';
import type { TransitionChanges } from './build-records';
import { canMove, defaultReason, isTerminal } from './build-state';
import { endPhases, enterPhase } from './phase-times';

/**
 * Moves `build` to `to`, in place, if its state allows it (false when it does not: another writer
 * got there first). A terminal state sets `finishedAt` and ends the open phase; RUNNING sets
 * `startedAt`; a phase in `changes` opens it (ending the one before).
 */
export function applyTransition(
  build: BuildEntity,
  to: BuildStatus,
  changes: TransitionChanges,
  allowedFrom?: BuildStatus[],
): boolean {
  if (!canMove(build.status, to) || (allowedFrom && !allowedFrom.includes(build.status))) return false;
  const now = new Date();
  Object.assign(build, changes, { status: to });
  // A phase named with the change (RUNNING in INIT; the phase a failed container reported) began now.
  if (changes.phase) build.phases = enterPhase(build.phases, changes.phase, now);
  if (to === 'RUNNING' && !build.startedAt) build.startedAt = now;
  if (isTerminal(to)) {
    build.finishedAt = now;
    build.reason = changes.reason ?? build.reason ?? defaultReason(to);
    build.phases = endPhases(build.phases, to, now);
  }
  return true;
}
