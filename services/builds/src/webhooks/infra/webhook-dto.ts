import type { WebhookDeliveryDto, WebhookDto } from '@stagecraft/contracts';

import type { WebhookEntity } from './webhook.entity';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity';

/** A webhook as answered: every column but its sealed secret. */
export function toWebhookDto(webhook: WebhookEntity): WebhookDto {
  return {
    id: webhook.id,
    accountId: webhook.accountId,
    enterpriseProjectId: webhook.enterpriseProjectId,
    url: webhook.url,
    description: webhook.description,
    eventTypes: webhook.eventTypes,
    statuses: webhook.statuses,
    enabled: webhook.enabled,
    createdBy: webhook.createdBy,
    createdAt: webhook.createdAt.toISOString(),
    updatedAt: webhook.updatedAt.toISOString(),
  };
}

/** A delivery as its log shows it: not its body (the event is the build's, readable there). */
export function toWebhookDeliveryDto(delivery: WebhookDeliveryEntity): WebhookDeliveryDto {
  return {
    id: delivery.id,
    webhookId: delivery.webhookId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    responseExcerpt: delivery.responseExcerpt,
    createdAt: delivery.createdAt.toISOString(),
    lastAttemptAt: delivery.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: delivery.status === 'PENDING' ? (delivery.nextAttemptAt?.toISOString() ?? null) : null,
    finishedAt: delivery.finishedAt?.toISOString() ?? null,
  };
}
