import type { BuildPhase, BuildPhaseOutcome, BuildPhaseTimeDto, BuildStatus } from '@stagecraft/contracts';

/** A build's phases with their times, as stored (the `phases` column) and answered. */
export type PhaseTimes = BuildPhaseTimeDto[];

/**
 * The phases once `phase` began at `at`: the open phase ends there as SUCCEEDED (the build moved
 * on) and `phase` opens. The phase already open is no change (a resumed Kubernetes build may read
 * its phase marker twice).
 */
export function enterPhase(phases: PhaseTimes, phase: BuildPhase, at: Date): PhaseTimes {
  const open = openPhase(phases);
  if (open?.phase === phase) return phases;
  const closed = open ? closeOpen(phases, at, 'SUCCEEDED') : phases;
  return [...closed, { phase, startedAt: at.toISOString(), finishedAt: null, outcome: null }];
}

/** The phases once the build ended in `status` at `at`: the open phase ends with the build's outcome. */
export function endPhases(phases: PhaseTimes, status: BuildStatus, at: Date): PhaseTimes {
  return openPhase(phases) ? closeOpen(phases, at, phaseOutcome(status)) : phases;
}

function phaseOutcome(status: BuildStatus): BuildPhaseOutcome {
  if (status === 'SUCCEEDED') return 'SUCCEEDED';
  if (status === 'CANCELLED') return 'CANCELLED';
  return 'FAILED';
}

function openPhase(phases: PhaseTimes): BuildPhaseTimeDto | undefined {
  const last = phases.at(-1);
  return last && last.finishedAt === null ? last : undefined;
}

function closeOpen(phases: PhaseTimes, at: Date, outcome: BuildPhaseOutcome): PhaseTimes {
  const last = phases[phases.length - 1];
  return [...phases.slice(0, -1), { ...last, finishedAt: at.toISOString(), outcome }];
}
