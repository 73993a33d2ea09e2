/** How failed deliveries are tried again: exponential backoff from `initialMs`, capped at `maxMs`, `maxAttempts` in all. */
export interface WebhookRetryPolicy {
  maxAttempts: number;
  initialMs: number;
  maxMs: number;
}

/** The wait after failed attempt `attempt` (1-based), or null when it was the last one allowed. */
export function retryDelayMs(policy: WebhookRetryPolicy, attempt: number): number | null {
  if (attempt >= policy.maxAttempts) return null;
  return Math.min(policy.maxMs, policy.initialMs * 2 ** (attempt - 1));
}

/** Whether an answer means the receiver took the event (2xx); anything else is retried. */
export function isDelivered(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}
