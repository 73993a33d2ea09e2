import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Headers every delivery carries (docs/webhooks.md#verifying-a-delivery). */
export const WebhookHeaders = {
  /** Seconds since the epoch when the attempt was signed: a receiver refuses stale ones (replays). */
  timestamp: 'X-Stagecraft-Timestamp',
  /** `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the webhook's secret>`. */
  signature: 'X-Stagecraft-Signature',
  /** The delivery's id, the same on every attempt of it. */
  delivery: 'X-Stagecraft-Delivery',
} as const;

/** A new webhook secret: 32 random bytes, shown once, prefixed so a leaked one is recognisable. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The signature header's value for a body sent at `timestamp` (seconds). */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Whether `signature` is this body's, compared in constant time. */
export function isWebhookSignatureValid(secret: string, timestamp: number, body: string, signature: string): boolean {
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
