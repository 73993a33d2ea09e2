import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';

import type { WebhookAttempt, WebhookDeliveryStatus } from '../domain/webhook-delivery';
import { WebhookEntity } from './webhook.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';

/** A due delivery with what sending it needs from its webhook. */
export interface DueDelivery {
  delivery: WebhookDeliveryEntity;
  url: string;
  secretSealed: string;
}

/** A new delivery of one event to one webhook. */
export type NewDelivery = Pick<WebhookDeliveryEntity, 'id' | 'webhookId' | 'eventId' | 'eventType' | 'body'>;

/** What an attempt changes: the delivery's new status and, while PENDING, when it is tried next. */
export interface AttemptOutcome extends WebhookAttempt {
  status: WebhookDeliveryStatus;
  nextAttemptAt: Date | null;
  at: Date;
}

/** The webhooks and webhook_deliveries tables: the one place that knows their SQL. */
@Injectable()
export class WebhookRepository {
  constructor(
    @InjectRepository(WebhookEntity) private readonly webhooks: Repository<WebhookEntity>,
    @InjectRepository(WebhookDeliveryEntity) private readonly deliveries: Repository<WebhookDeliveryEntity>,
  ) {}

  async insert(webhook: Omit<WebhookEntity, 'createdAt' | 'updatedAt'>): Promise<WebhookEntity> {
    await this.webhooks.insert(webhook);
    return this.webhooks.findOneByOrFail({ id: webhook.id });
  }

  async save(webhook: WebhookEntity): Promise<WebhookEntity> {
    return this.webhooks.save(webhook);
  }

  async remove(id: string): Promise<void> {
    await this.webhooks.delete({ id });
  }

  find(accountId: string, id: string): Promise<WebhookEntity | null> {
    return this.webhooks.findOneBy({ accountId, id });
  }

  countInProject(accountId: string, enterpriseProjectId: string): Promise<number> {
    return this.webhooks.countBy({ accountId, enterpriseProjectId });
  }

  inProjects(accountId: string, enterpriseProjectIds: string[]): Promise<WebhookEntity[]> {
    return this.webhooks.find({
      where: { accountId, enterpriseProjectId: In(enterpriseProjectIds) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** The enabled webhooks of a project: the ones an event of it may go to. */
  enabledInProject(accountId: string, enterpriseProjectId: string): Promise<WebhookEntity[]> {
    return this.webhooks.findBy({ accountId, enterpriseProjectId, enabled: true });
  }

  /** Adds deliveries due now; one already there for the same webhook and event (a redelivered event) stays as it is. */
  async enqueue(deliveries: NewDelivery[], now: Date): Promise<void> {
    if (deliveries.length === 0) return;
    await this.deliveries
      .createQueryBuilder()
      .insert()
      .values(deliveries.map((delivery) => ({ ...delivery, status: 'PENDING' as const, attempts: 0, nextAttemptAt: now })))
      .orIgnore()
      .execute();
  }

  /**
   * Claims up to `limit` due deliveries of enabled webhooks (a disabled one's wait until it is
   * enabled again) until `leaseUntil`: their next attempt moves there, so
   * another replica (or this one after a crash) takes them only once the lease has run out.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<DueDelivery[]> {
    // TypeORM answers an UPDATE … RETURNING as [rows, affected count].
    const [rows]: [{ id: string }[], number] = await this.deliveries.query(
      `UPDATE webhook_deliveries SET next_attempt_at = $2
        WHERE id IN (SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                      WHERE d.status = 'PENDING' AND d.next_attempt_at <= $1 AND w.enabled
                      ORDER BY d.next_attempt_at LIMIT $3 FOR UPDATE OF d SKIP LOCKED)
        RETURNING id`,
      [now, leaseUntil, limit],
    );
    const ids = rows.map((row) => row.id);
    if (ids.length === 0) return [];
    const claimed = await this.deliveries.findBy({ id: In(ids) });
    const webhooks = new Map((await this.webhooks.findBy({ id: In(claimed.map((d) => d.webhookId)) })).map((w) => [w.id, w]));
    return claimed.flatMap((delivery) => {
      const webhook = webhooks.get(delivery.webhookId);
      return webhook ? [{ delivery, url: webhook.url, secretSealed: webhook.secretSealed }] : [];
    });
  }

  async recordAttempt(id: string, outcome: AttemptOutcome): Promise<void> {
    await this.deliveries.update(
      { id },
      {
        status: outcome.status,
        attempts: () => 'attempts + 1',
        nextAttemptAt: outcome.nextAttemptAt,
        lastStatusCode: outcome.statusCode,
        lastError: outcome.error,
        responseExcerpt: outcome.responseExcerpt,
        lastAttemptAt: outcome.at,
        finishedAt: outcome.status === 'PENDING' ? null : outcome.at,
      },
    );
  }

  /** The newest deliveries of a webhook, newest first. */
  recent(webhookId: string, limit: number): Promise<WebhookDeliveryEntity[]> {
    return this.deliveries.find({ where: { webhookId }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
  }

  /** Keeps a webhook's newest `keep` deliveries and removes older finished ones (a pending one always stays). */
  async pruneLog(webhookId: string, keep: number): Promise<void> {
    await this.deliveries.query(
      `DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND status <> 'PENDING' AND id NOT IN (
         SELECT id FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)`,
      [webhookId, keep],
    );
  }
}
