import { BUILD_EVENT_TYPES, BUILD_STATUSES, WebhookError, WebhookErrorReason } from '@stagecraft/contracts';

export const WEBHOOK_URL_MAX_LENGTH = 2048;
export const WEBHOOK_DESCRIPTION_MAX_LENGTH = 256;

/** What a caller may set on a webhook; every field optional on update. */
export interface WebhookSettings {
  url?: string;
  eventTypes?: string[];
  statuses?: string[];
  description?: string;
  enabled?: boolean;
}

function invalid(field: string, rule: string): never {
  throw new WebhookError(WebhookErrorReason.INVALID_WEBHOOK, `${field} ${rule}`, field);
}

/** An http(s) URL with a host, no user or password (a credential would be stored and logged in clear) and no fragment. */
export function checkWebhookUrl(url: string): void {
  if (url.length > WEBHOOK_URL_MAX_LENGTH) invalid('url', `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return invalid('url', 'must be an absolute URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') invalid('url', 'must be an https or http URL');
  if (parsed.username || parsed.password) invalid('url', 'must not carry a user or password (the signature authenticates)');
  if (parsed.hash) invalid('url', 'must not have a fragment');
}

/** Refuses any setting that breaks its rule, naming the field; an empty eventTypes would receive nothing. */
export function checkWebhookSettings(settings: WebhookSettings): void {
  if (settings.url !== undefined) checkWebhookUrl(settings.url);
  if (settings.eventTypes !== undefined) {
    if (settings.eventTypes.length === 0) invalid('eventTypes', 'must name at least one event type');
    const unknown = settings.eventTypes.find((type) => !(BUILD_EVENT_TYPES as readonly string[]).includes(type));
    if (unknown !== undefined)
      invalid('eventTypes', `has ${JSON.stringify(unknown)}, not one of ${BUILD_EVENT_TYPES.join(', ')}`);
  }
  if (settings.statuses !== undefined) {
    const unknown = settings.statuses.find((status) => !(BUILD_STATUSES as readonly string[]).includes(status));
    if (unknown !== undefined) invalid('statuses', `has ${JSON.stringify(unknown)}, not one of ${BUILD_STATUSES.join(', ')}`);
  }
  if (settings.description !== undefined && settings.description.length > WEBHOOK_DESCRIPTION_MAX_LENGTH)
    invalid('description', `must be at most ${WEBHOOK_DESCRIPTION_MAX_LENGTH} characters`);
}
