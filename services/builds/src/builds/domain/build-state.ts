import type { BuildReason, BuildStatus } from '@stagecraft/contracts';

export const TERMINAL_STATUSES: ReadonlySet<BuildStatus> = new Set([
  'SUCCEEDED',
  'FAILED',
  'ERROR',
  'TIMED_OUT',
  'CANCELLED',
  'EXPIRED',
]);

/** Where each state may go. Anything else is a bug in the caller, not a user error. */
const TRANSITIONS: Record<BuildStatus, readonly BuildStatus[]> = {
  PENDING: ['QUEUED', 'CANCELLED', 'ERROR'],
  QUEUED: ['SCHEDULING', 'EXPIRED', 'CANCELLED', 'ERROR'],
  SCHEDULING: ['RUNNING', 'CANCELLING', 'TIMED_OUT', 'FAILED', 'ERROR'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'ERROR', 'TIMED_OUT', 'CANCELLING'],
  CANCELLING: ['CANCELLED'],
  SUCCEEDED: [],
  FAILED: [],
  ERROR: [],
  TIMED_OUT: [],
  CANCELLED: [],
  EXPIRED: [],
};

export function isTerminal(status: BuildStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function canMove(from: BuildStatus, to: BuildStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * Where cancelling goes: a build that has not started is CANCELLED at once; a scheduled or
 * running one is CANCELLING until its executor has stopped. Null when it has already ended.
 */
export function cancellationTarget(status: BuildStatus): 'CANCELLED' | 'CANCELLING' | null {
  if (status === 'PENDING' || status === 'QUEUED') return 'CANCELLED';
  if (status === 'SCHEDULING' || status === 'RUNNING') return 'CANCELLING';
  return null;
}

/** The reason code a terminal state carries when the executor gave none. */
export function defaultReason(status: BuildStatus): BuildReason | null {
  switch (status) {
    case 'TIMED_OUT':
      return 'DEADLINE_EXCEEDED';
    case 'EXPIRED':
      return 'QUEUE_TIMEOUT';
    case 'CANCELLED':
      return 'CANCELLED_BY_USER';
    default:
      return null;
  }
}
