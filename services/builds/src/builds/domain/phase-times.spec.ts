import { endPhases, enterPhase, type PhaseTimes } from './phase-times';

const at = (second: number) => new Date(Date.UTC(2026, 11, 5, 9, 0, second));
const iso = (second: number) => at(second).toISOString();

describe('phase times', () => {
  it('opens each phase where the one before ends, as SUCCEEDED', () => {
    let phases: PhaseTimes = [];
    phases = enterPhase(phases, 'INIT', at(0));
    phases = enterPhase(phases, 'DOWNLOAD', at(2));
    expect(phases).toEqual([
      { phase: 'INIT', startedAt: iso(0), finishedAt: iso(2), outcome: 'SUCCEEDED' },
      { phase: 'DOWNLOAD', startedAt: iso(2), finishedAt: null, outcome: null },
    ]);
  });

  it('takes the phase already open as no change (a marker read twice)', () => {
    const phases = enterPhase([], 'BUILD', at(0));
    expect(enterPhase(phases, 'BUILD', at(5))).toBe(phases);
  });

  it.each([
    ['SUCCEEDED', 'SUCCEEDED'],
    ['FAILED', 'FAILED'],
    ['ERROR', 'FAILED'],
    ['TIMED_OUT', 'FAILED'],
    ['CANCELLED', 'CANCELLED'],
  ] as const)('ends the open phase with the build: %s → %s', (status, outcome) => {
    const phases = endPhases(enterPhase([], 'PUSH', at(0)), status, at(7));
    expect(phases).toEqual([{ phase: 'PUSH', startedAt: iso(0), finishedAt: iso(7), outcome }]);
  });

  it('leaves a build that never ran without phases, and ended phases as they are', () => {
    expect(endPhases([], 'EXPIRED', at(1))).toEqual([]);
    const ended = endPhases(enterPhase([], 'INIT', at(0)), 'SUCCEEDED', at(1));
    expect(endPhases(ended, 'FAILED', at(9))).toBe(ended);
  });
});
