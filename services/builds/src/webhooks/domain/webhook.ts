import type { BuildEventDto, BuildStatus } from '@stagecraft/contracts';

/** A project's webhook as delivery needs it (its secret is opened only to sign). */
export interface Webhook {
  id: string;
  accountId: string;
  enterpriseProjectId: string;
  url: string;
  /** Build event types (`succeeded`, `failed`, `phase`…) it receives. */
  eventTypes: string[];
  /** Build statuses it receives; empty: any. */
  statuses: BuildStatus[];
  enabled: boolean;
}

/** Whether the webhook wants this event: enabled, same account and project, type and status in its filters. */
export function webhookMatches(webhook: Webhook, event: BuildEventDto): boolean {
  return (
    webhook.enabled &&
    webhook.accountId === event.build.accountId &&
    webhook.enterpriseProjectId === event.build.enterpriseProjectId &&
    webhook.eventTypes.includes(event.type) &&
    (webhook.statuses.length === 0 || webhook.statuses.includes(event.build.status))
  );
}
