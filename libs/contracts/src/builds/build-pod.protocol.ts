// What a build container on Kubernetes and the builds service say to each other, without a
// connection between them: phase markers in the container's log, one JSON termination message,
// and the exit code. The assembler CLI (deploy/assembler) writes it; the Kubernetes executor
// (services/builds) reads it, both through these functions.
import { BUILD_REASONS, type BuildReasonOf, isBuildReason } from './build-reasons';
import { BUILD_PHASES, type BuildPhase } from './builds.dto';

/** Where the container writes its termination message (the pod spec's terminationMessagePath). */
export const TERMINATION_LOG_PATH = '/dev/termination-log';
/** Kubernetes keeps at most 4096 bytes of a container's termination message. */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;

export const BUILD_POD_EXIT_CODES = { SUCCEEDED: 0, FAILED: 1, ERROR: 2 } as const;
/** 128 + SIGTERM, what a shell reports for a process the signal ended. */
export const TERMINATED_EXIT_CODE = 143;

const PHASE_MARKER_PREFIX = '::stagecraft phase=';

/** The log line that says the build entered `phase`. */
export function phaseMarker(phase: BuildPhase): string {
  return `${PHASE_MARKER_PREFIX}${phase}`;
}

/** The phase a log line marks, or null: a line that only looks like a marker (an unknown phase) is a plain line. */
export function parsePhaseMarker(line: string): BuildPhase | null {
  if (!line.startsWith(PHASE_MARKER_PREFIX)) return null;
  const phase = line.slice(PHASE_MARKER_PREFIX.length);
  return (BUILD_PHASES as readonly string[]).includes(phase) ? (phase as BuildPhase) : null;
}

/** The assembler's termination message: one JSON line. A message read back may lack the phase (`P` null). */
export type TerminationMessage<P extends BuildPhase | null = BuildPhase> =
  | { status: 'SUCCEEDED'; digest?: string; image?: string }
  | { status: 'FAILED'; reason: BuildReasonOf<'FAILED'>; message: string; phase: P }
  | { status: 'ERROR'; reason: BuildReasonOf<'ERROR'>; message: string; phase: P };

const utf8 = new TextEncoder();
const byteLength = (text: string) => utf8.encode(text).length;

/** The message as one JSON line shorter than the limit: a long failure message is cut and ends in `…`. */
export function formatTerminationMessage(message: TerminationMessage): string {
  const line = JSON.stringify(message);
  if (message.status === 'SUCCEEDED' || byteLength(line) < TERMINATION_MESSAGE_MAX_BYTES) return line;
  // Whole code points, and measured as JSON: an escape makes one character cost up to 6 bytes.
  const chars = Array.from(message.message);
  const cut = (count: number) => JSON.stringify({ ...message, message: `${chars.slice(0, count).join('')}…` });
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (byteLength(cut(mid)) < TERMINATION_MESSAGE_MAX_BYTES) low = mid;
    else high = mid - 1;
  }
  return cut(low);
}

/**
 * A termination message as the assembler writes it, or null when the text is not one (another
 * program's output, BuildKit's metadata file): the reader then falls back to what it knows.
 */
export function parseTerminationMessage(text: string | undefined): TerminationMessage<BuildPhase | null> | null {
  const value = parseObject(text);
  if (!value) return null;
  if (value['status'] === 'SUCCEEDED')
    return {
      status: 'SUCCEEDED',
      ...(typeof value['digest'] === 'string' && { digest: value['digest'] }),
      ...(typeof value['image'] === 'string' && { image: value['image'] }),
    };
  // A reason the platform does not know, or one with another end than the status says, is not its
  // assembler's: the reader falls back to what it knows.
  const reason = value['reason'];
  if (
    (value['status'] === 'FAILED' || value['status'] === 'ERROR') &&
    isBuildReason(reason) &&
    BUILD_REASONS[reason].status === value['status']
  ) {
    return {
      status: value['status'],
      reason,
      message: typeof value['message'] === 'string' ? value['message'] : reason,
      phase: typeof value['phase'] === 'string' ? parsePhaseMarker(`${PHASE_MARKER_PREFIX}${value['phase']}`) : null,
    } as TerminationMessage<BuildPhase | null>;
  }
  return null;
}

/** A JSON object, or undefined for anything else. */
export function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
