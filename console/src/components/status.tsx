/** A build or cluster status as text (never colour alone), styled by its class. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`status status-${status.toLowerCase()}`}>{status}</span>;
}

/** The statuses after which a build changes no more. */
export const TERMINAL_BUILD_STATUSES = new Set(['SUCCEEDED', 'FAILED', 'ERROR', 'TIMED_OUT', 'CANCELLED', 'EXPIRED']);
