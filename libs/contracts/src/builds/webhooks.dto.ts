import type { BuildStatus } from './builds.dto';

/** A project's webhook as answered: never its secret (shown once, in CreatedWebhookDto). */
export interface WebhookDto {
  id: string;
  accountId: string;
  enterpriseProjectId: string;
  url: string;
  description: string;
  eventTypes: string[];
  statuses: BuildStatus[];
  enabled: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** The answer to creating a webhook or rotating its secret: the only answers that carry the secret. */
export interface WebhookWithSecretDto {
  webhook: WebhookDto;
  secret: string;
}

export type WebhookDeliveryStatusDto = 'PENDING' | 'DELIVERED' | 'FAILED';

/** One delivery of an event to a webhook, as its log shows it. */
export interface WebhookDeliveryDto {
  id: string;
  webhookId: string;
  eventId: string;
  /** The CloudEvents type (`io.stagecraft.build.succeeded`). */
  eventType: string;
  status: WebhookDeliveryStatusDto;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** The first bytes (at most 1 KiB) of the receiver's last answer. */
  responseExcerpt: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  finishedAt: string | null;
}
