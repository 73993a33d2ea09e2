import { randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { Actions, type Caller } from '@stagecraft/authz';
import {
  type BuildStatus,
  type CreateWebhookRequest,
  type UpdateWebhookRequest,
  type WebhookDeliveryDto,
  type WebhookDto,
  WebhookError,
  WebhookErrorReason,
  type WebhookWithSecretDto,
} from '@stagecraft/contracts';
import type { SecretBox } from '@stagecraft/secrets';

import { BUILDS_SECRET_BOX } from '../builds/infra/build-cluster.store';
import { BuildsConfig } from '../config';
import { checkWebhookSettings, type WebhookSettings } from './domain/webhook.rules';
import { generateWebhookSecret } from './domain/webhook-signature';
import type { WebhookEntity } from './infra/webhook.entity';
import { WebhookRepository } from './infra/webhook.repository';
import { toWebhookDeliveryDto, toWebhookDto } from './infra/webhook-dto';

const notFound = () => new WebhookError(WebhookErrorReason.WEBHOOK_NOT_FOUND, 'webhook not found');

/**
 * Webhooks of enterprise projects, under the rights on the project's package jobs and builds
 * (`servicestage:assembling:*`, docs/webhooks.md#permissions): reading needs get/list, creating
 * create, changing or rotating modify, deleting delete. Another project's webhook is NOT_FOUND.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repository: WebhookRepository,
    private readonly config: BuildsConfig,
    @Inject(BUILDS_SECRET_BOX) private readonly secrets: SecretBox | null,
  ) {}

  async create(caller: Caller, request: CreateWebhookRequest): Promise<WebhookWithSecretDto> {
    const projectId = request.enterpriseProjectId;
    if (!caller.can(Actions.assembling.create, projectId)) throw denied(Actions.assembling.create);
    // A new webhook's URL and event types are checked even when absent: they have no previous value.
    const given = settingsOf(request);
    const settings = { ...given, url: given.url ?? '', eventTypes: given.eventTypes ?? [] };
    checkWebhookSettings(settings);
    const box = this.box();
    if ((await this.repository.countInProject(caller.accountId, projectId)) >= this.config.WEBHOOKS_PER_PROJECT)
      throw new WebhookError(
        WebhookErrorReason.TOO_MANY_WEBHOOKS,
        `an enterprise project has at most ${this.config.WEBHOOKS_PER_PROJECT} webhooks`,
        'enterpriseProjectId',
      );
    const id = randomUUID();
    const secret = generateWebhookSecret();
    const webhook = await this.repository.insert({
      id,
      accountId: caller.accountId,
      enterpriseProjectId: projectId,
      url: settings.url,
      description: settings.description ?? '',
      eventTypes: settings.eventTypes,
      statuses: (settings.statuses ?? []) as BuildStatus[],
      enabled: settings.enabled ?? true,
      secretSealed: box.seal(secret, id),
      createdBy: caller.userId,
    });
    return { webhook: toWebhookDto(webhook), secret };
  }

  async update(caller: Caller, request: UpdateWebhookRequest): Promise<WebhookDto> {
    const webhook = await this.visible(caller, request.id, Actions.assembling.modify);
    const settings = settingsOf(request);
    checkWebhookSettings(settings);
    if (settings.url !== undefined) webhook.url = settings.url;
    if (settings.eventTypes !== undefined) webhook.eventTypes = settings.eventTypes;
    if (settings.statuses !== undefined) webhook.statuses = settings.statuses as BuildStatus[];
    if (settings.description !== undefined) webhook.description = settings.description;
    if (settings.enabled !== undefined) webhook.enabled = settings.enabled;
    return toWebhookDto(await this.repository.save(webhook));
  }

  /** A new secret replaces the old one at once: deliveries from now on are signed with it. */
  async rotateSecret(caller: Caller, id: string): Promise<WebhookWithSecretDto> {
    const webhook = await this.visible(caller, id, Actions.assembling.modify);
    const secret = generateWebhookSecret();
    webhook.secretSealed = this.box().seal(secret, webhook.id);
    return { webhook: toWebhookDto(await this.repository.save(webhook)), secret };
  }

  /** Its pending deliveries and its log go with it. */
  async delete(caller: Caller, id: string): Promise<{ id: string }> {
    await this.visible(caller, id, Actions.assembling.delete);
    await this.repository.remove(id);
    return { id };
  }

  /** A project's webhooks; none where the caller may not list. */
  async list(caller: Caller, enterpriseProjectId: string): Promise<WebhookDto[]> {
    if (!caller.can(Actions.assembling.list, enterpriseProjectId)) return [];
    return (await this.repository.inProjects(caller.accountId, [enterpriseProjectId])).map(toWebhookDto);
  }

  /** A webhook's newest deliveries, newest first (the log keeps WEBHOOK_DELIVERY_HISTORY of them). */
  async deliveries(caller: Caller, webhookId: string, limit: number): Promise<WebhookDeliveryDto[]> {
    await this.visible(caller, webhookId, Actions.assembling.get);
    return (await this.repository.recent(webhookId, Math.min(limit, this.config.WEBHOOK_DELIVERY_HISTORY))).map(
      toWebhookDeliveryDto,
    );
  }

  /** The webhook when the caller may act on its project; NOT_FOUND otherwise, as for a missing one. */
  private async visible(caller: Caller, id: string, action: string): Promise<WebhookEntity> {
    const webhook = await this.repository.find(caller.accountId, id);
    if (!webhook || !caller.can(Actions.assembling.get, webhook.enterpriseProjectId)) throw notFound();
    if (!caller.can(action, webhook.enterpriseProjectId)) throw denied(action);
    return webhook;
  }

  private box(): SecretBox {
    if (!this.secrets)
      throw new WebhookError(
        WebhookErrorReason.SECRETS_NOT_CONFIGURED,
        'webhooks need the builds service to have a secrets key (SECRETS_KEY or SECRETS_KEY_FILE) to seal their secrets',
      );
    return this.secrets;
  }
}

function denied(action: string) {
  return new WebhookError(WebhookErrorReason.WEBHOOK_ACTION_DENIED, `${action} is not allowed in this enterprise project`);
}

/** The settings a request gives, null taken as not given, each list once per value. */
function settingsOf(request: CreateWebhookRequest | UpdateWebhookRequest): WebhookSettings {
  return {
    url: request.url ?? undefined,
    eventTypes: request.eventTypes ? [...new Set(request.eventTypes)] : undefined,
    statuses: request.statuses ? [...new Set(request.statuses)] : undefined,
    description: request.description ?? undefined,
    enabled: request.enabled ?? undefined,
  };
}
