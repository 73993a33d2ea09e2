import type { EgressPolicy } from '@stagecraft/config';
import { isEgressDenied } from '@stagecraft/config';

import type { WebhookAttempt } from '../domain/webhook-delivery';

/** The most of a receiver's answer kept for the delivery log. */
export const RESPONSE_EXCERPT_BYTES = 1024;

/**
 * POSTs a delivery through the platform's egress policy (a URL that resolves to a refused address
 * is never connected to), with a timeout, following no redirect (a 3xx is a failed attempt, as
 * GitHub's webhooks do), and keeping only the first bytes of the answer.
 */
export class WebhookSender {
  constructor(
    private readonly egress: EgressPolicy,
    private readonly timeoutMs: number,
  ) {}

  async send(url: string, body: string, headers: Record<string, string>): Promise<WebhookAttempt> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await this.egress.fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal });
      return { statusCode: response.status, error: null, responseExcerpt: await excerptOf(response) };
    } catch (error) {
      return { statusCode: null, error: this.describe(error, signal), responseExcerpt: null };
    }
  }

  /** A cause fit for the delivery log: no stack, no internal address (the egress refusal's detail stays out). */
  private describe(error: unknown, signal: AbortSignal): string {
    if (signal.aborted) return `no answer within ${this.timeoutMs} ms`;
    if (isEgressDenied(error)) return 'the egress policy does not allow connecting to this address';
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (typeof cause?.code === 'string') return `connection failed: ${cause.code}`;
    return `connection failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Reads at most RESPONSE_EXCERPT_BYTES of the answer and drops the rest unread. */
async function excerptOf(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  // Postgres text holds no NUL character: a binary answer must not make its attempt unrecordable.
  return Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8').replaceAll('\0', '\uFFFD');
}
