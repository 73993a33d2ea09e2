import { TERMINATION_MESSAGE_MAX_BYTES, type TerminationMessage } from '@stagecraft/contracts';

// What the build container leaves in its termination message file (Kubernetes shows it in the
// container's `state.terminated.message`): the contract's one JSON line (build-pod.protocol.ts),
// under Kubernetes' 4096-byte limit.
export { TERMINATION_MESSAGE_MAX_BYTES, type TerminationMessage };

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
