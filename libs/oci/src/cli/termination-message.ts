import type { BuildPhase } from '@stagecraft/contracts';

import type { BuildFailure } from '../build-failure';

/**
 * What the build container leaves in its termination message file (Kubernetes shows it in the
 * container's `state.terminated.message`): one JSON line, under Kubernetes' 4096-byte limit.
 */
export type TerminationMessage =
  | { status: 'SUCCEEDED'; digest?: string; image?: string }
  | (BuildFailure & { phase: BuildPhase });

/** Kubernetes keeps at most 4096 bytes of a container's termination message. */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;

/** The message as one JSON line shorter than the limit: a long failure message is cut and ends in `…`. */
export function formatTerminationMessage(message: TerminationMessage): string {
  const line = JSON.stringify(message);
  if (message.status === 'SUCCEEDED' || Buffer.byteLength(line) < TERMINATION_MESSAGE_MAX_BYTES) return line;
  // Whole code points, and measured as JSON: an escape makes one character cost up to 6 bytes.
  const chars = Array.from(message.message);
  const cut = (count: number) => JSON.stringify({ ...message, message: `${chars.slice(0, count).join('')}…` });
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (Buffer.byteLength(cut(mid)) < TERMINATION_MESSAGE_MAX_BYTES) low = mid;
    else high = mid - 1;
  }
  return cut(low);
}
