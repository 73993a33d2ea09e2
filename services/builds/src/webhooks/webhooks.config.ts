import { IsInt, Max, Min } from 'class-validator';

/**
 * The webhook settings of the builds service's environment (docs/webhooks.md#retries), validated
 * on start like BuildsConfig; a class of its own so the feature's knobs stay in its folder.
 */
export class WebhooksConfig {
  /** Attempts per delivery, the first included; after the last failed one the delivery is FAILED. */
  @IsInt() @Min(1) @Max(50) WEBHOOK_MAX_ATTEMPTS = 10;
  /** The wait after the first failed attempt; it doubles after each further one… */
  @IsInt() @Min(10) WEBHOOK_BACKOFF_INITIAL_MS = 10_000;
  /** …up to this. */
  @IsInt() @Min(10) WEBHOOK_BACKOFF_MAX_MS = 3_600_000;
  /** How long one attempt waits for the receiver's answer. */
  @IsInt() @Min(100) @Max(60_000) WEBHOOK_TIMEOUT_MS = 10_000;
  /** How often due deliveries are looked for (a new event also wakes the dispatcher). */
  @IsInt() @Min(10) WEBHOOK_DISPATCH_INTERVAL_MS = 1000;
  /** Deliveries kept per webhook for its log; older finished ones are removed. */
  @IsInt() @Min(1) @Max(1000) WEBHOOK_DELIVERY_HISTORY = 100;
  /** Webhooks per enterprise project. */
  @IsInt() @Min(1) @Max(1000) WEBHOOKS_PER_PROJECT = 20;
}
