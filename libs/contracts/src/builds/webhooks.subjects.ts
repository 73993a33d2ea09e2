/** Webhooks of enterprise projects, kept and delivered by the builds service (docs/webhooks.md). */
export const WebhooksSubjects = {
  createWebhook: 'builds.webhooks.create.v1',
  updateWebhook: 'builds.webhooks.update.v1',
  rotateWebhookSecret: 'builds.webhooks.rotate-secret.v1',
  deleteWebhook: 'builds.webhooks.delete.v1',
  listWebhooks: 'builds.webhooks.list.v1',
  webhookDeliveries: 'builds.webhooks.deliveries.v1',
} as const;

/** The durable JetStream consumer of BUILD_EVENTS that turns events into webhook deliveries (replicas of builds share it). */
export const WEBHOOKS_DURABLE_CONSUMER = 'webhooks';
