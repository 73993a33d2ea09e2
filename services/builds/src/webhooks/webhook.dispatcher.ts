import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { SecretBox } from '@stagecraft/secrets';

import { BUILDS_SECRET_BOX } from '../builds/infra/build-cluster.store';
import { CoalescedTask } from '../coalesced-task';
import { BuildsConfig } from '../config';
import type { WebhookAttempt } from './domain/webhook-delivery';
import { isDelivered, retryDelayMs, type WebhookRetryPolicy } from './domain/webhook-retry';
import { WebhookHeaders, webhookSignature } from './domain/webhook-signature';
import { type AttemptOutcome, type DueDelivery, WebhookRepository } from './infra/webhook.repository';
import { WebhookSender } from './infra/webhook.sender';

/** Deliveries sent at once by one replica. */
const BATCH = 20;

/**
 * Sends due deliveries from Postgres: each attempt is signed afresh (a new timestamp), its outcome
 * recorded, and a failed one scheduled again with backoff until its last attempt. A claim is a
 * lease of twice the request timeout, so a replica that dies mid-attempt leaves the delivery to
 * be tried again, by another replica or after a restart.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WebhookDispatcher');
  private readonly policy: WebhookRetryPolicy;
  private timer?: NodeJS.Timeout;
  private readonly passes = new CoalescedTask(
    () => this.dispatchDue(),
    (error) => this.logger.error(`a dispatch pass failed: ${error.message}`),
  );
  private stopped = false;

  constructor(
    private readonly repository: WebhookRepository,
    private readonly sender: WebhookSender,
    private readonly config: BuildsConfig,
    @Inject(BUILDS_SECRET_BOX) private readonly secrets: SecretBox | null,
  ) {
    this.policy = {
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      initialMs: config.WEBHOOK_BACKOFF_INITIAL_MS,
      maxMs: config.WEBHOOK_BACKOFF_MAX_MS,
    };
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.wake(), this.config.WEBHOOK_DISPATCH_INTERVAL_MS);
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.passes.stop();
  }

  /** Runs a pass now, or right after the one in progress (none once shutdown began). */
  wake(): void {
    this.passes.wake();
  }

  /** Sends every delivery due now, batch by batch; answers how many were attempted. */
  async dispatchDue(): Promise<number> {
    let attempted = 0;
    for (;;) {
      const now = new Date();
      const leaseUntil = new Date(now.getTime() + 2 * this.config.WEBHOOK_TIMEOUT_MS);
      const due = await this.repository.claimDue(now, leaseUntil, BATCH);
      if (due.length === 0 || this.stopped) return attempted;
      await Promise.all(due.map((item) => this.attempt(item)));
      attempted += due.length;
    }
  }

  private async attempt({ delivery, url, secretSealed }: DueDelivery): Promise<void> {
    const secret = this.openSecret(secretSealed, delivery.webhookId);
    const result = typeof secret === 'string' ? await this.send(delivery.id, delivery.body, url, secret) : unsent(secret.error);
    const at = new Date();
    const attempt = delivery.attempts + 1;
    const delivered = result.statusCode !== null && isDelivered(result.statusCode);
    const delay = delivered ? null : retryDelayMs(this.policy, attempt);
    const outcome: AttemptOutcome = {
      ...result,
      at,
      status: delivered ? 'DELIVERED' : delay === null ? 'FAILED' : 'PENDING',
      nextAttemptAt: delay === null ? null : new Date(at.getTime() + delay),
    };
    await this.repository.recordAttempt(delivery.id, outcome);
    if (outcome.status !== 'PENDING') await this.repository.pruneLog(delivery.webhookId, this.config.WEBHOOK_DELIVERY_HISTORY);
    // The URL is the user's to see; the secret and the body are never logged.
    if (outcome.status === 'FAILED')
      this.logger.warn(`webhook ${delivery.webhookId}: delivery ${delivery.id} failed ${attempt} times`);
  }

  /** The webhook's secret, or why there is none to sign with: a failed attempt, not a pass that stops on it. */
  private openSecret(sealed: string, webhookId: string): string | { error: string } {
    if (!this.secrets) return { error: 'the builds service has no SECRETS_KEY to sign with' };
    try {
      return this.secrets.open(sealed, webhookId);
    } catch {
      return { error: "the webhook's secret does not open with the builds service's SECRETS_KEY: rotate it" };
    }
  }

  private send(deliveryId: string, body: string, url: string, secret: string): Promise<WebhookAttempt> {
    const timestamp = Math.floor(Date.now() / 1000);
    return this.sender.send(url, body, {
      'Content-Type': 'application/cloudevents+json; charset=utf-8',
      'User-Agent': 'Stagecraft-Webhooks/1',
      [WebhookHeaders.delivery]: deliveryId,
      [WebhookHeaders.timestamp]: String(timestamp),
      [WebhookHeaders.signature]: webhookSignature(secret, timestamp, body),
    });
  }
}

function unsent(error: string): WebhookAttempt {
  return { statusCode: null, error, responseExcerpt: null };
}
