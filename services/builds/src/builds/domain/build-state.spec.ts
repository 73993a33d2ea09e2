import { BUILD_STATUSES } from '@stagecraft/contracts';

import { cancellationTarget, canMove, defaultReason, isTerminal } from './build-state';

describe('build states', () => {
  it.each([
    ['PENDING', 'QUEUED', true],
    ['QUEUED', 'SCHEDULING', true],
    ['QUEUED', 'EXPIRED', true],
    ['QUEUED', 'CANCELLED', true],
    ['SCHEDULING', 'RUNNING', true],
    ['RUNNING', 'SUCCEEDED', true],
    ['RUNNING', 'FAILED', true],
    ['RUNNING', 'TIMED_OUT', true],
    ['RUNNING', 'CANCELLING', true],
    ['CANCELLING', 'CANCELLED', true],
    ['QUEUED', 'RUNNING', false],
    ['SUCCEEDED', 'RUNNING', false],
    ['CANCELLING', 'SUCCEEDED', false],
    ['EXPIRED', 'QUEUED', false],
  ] as const)('%s → %s: %s', (from, to, allowed) => expect(canMove(from, to)).toBe(allowed));

  it('leaves terminal states for nothing', () => {
    for (const status of BUILD_STATUSES.filter(isTerminal)) {
      expect(BUILD_STATUSES.filter((to) => canMove(status, to))).toEqual([]);
    }
    expect(BUILD_STATUSES.filter(isTerminal)).toEqual(['SUCCEEDED', 'FAILED', 'ERROR', 'TIMED_OUT', 'CANCELLED', 'EXPIRED']);
  });

  it.each([
    ['PENDING', 'CANCELLED'],
    ['QUEUED', 'CANCELLED'],
    ['SCHEDULING', 'CANCELLING'],
    ['RUNNING', 'CANCELLING'],
    ['CANCELLING', null],
    ['SUCCEEDED', null],
  ] as const)('cancelling a %s build → %s', (status, target) => expect(cancellationTarget(status)).toBe(target));

  it('gives terminal states their default reason', () => {
    expect(defaultReason('TIMED_OUT')).toBe('DEADLINE_EXCEEDED');
    expect(defaultReason('EXPIRED')).toBe('QUEUE_TIMEOUT');
    expect(defaultReason('SUCCEEDED')).toBeNull();
  });
});
