/** PENDING until the receiver answers 2xx (DELIVERED) or the last attempt fails (FAILED). */
export type WebhookDeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/** What one attempt came to: the receiver's status code, or why there was none. */
export interface WebhookAttempt {
  statusCode: number | null;
  error: string | null;
  /** The first bytes of the answer, for the delivery log. */
  responseExcerpt: string | null;
}
