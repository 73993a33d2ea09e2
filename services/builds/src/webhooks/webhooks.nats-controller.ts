import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Actions, Audited, type Caller, CurrentCaller } from '@stagecraft/authz';
import {
  CreateWebhookRequest,
  ListWebhooksRequest,
  UpdateWebhookRequest,
  WebhookDeliveriesRequest,
  type WebhookDto,
  WebhookIdRequest,
  WebhooksSubjects,
  type WebhookWithSecretDto,
} from '@stagecraft/contracts';
import { UserRpc } from '@stagecraft/messaging';

import { WebhooksService } from './webhooks.service';

/** The audit trail records the webhook, never the secret an answer carries. */
const audited = (result: WebhookWithSecretDto) => result.webhook;

@Controller()
export class WebhooksNatsController {
  constructor(private readonly webhooks: WebhooksService) {}

  @UserRpc(Actions.assembling.create)
  @Audited<WebhookWithSecretDto>('servicestage:webhooks:create', 'webhook', audited)
  @MessagePattern(WebhooksSubjects.createWebhook)
  create(@Payload() request: CreateWebhookRequest, @CurrentCaller() caller: Caller) {
    return this.webhooks.create(caller, request);
  }

  @UserRpc(Actions.assembling.modify)
  @Audited<WebhookDto>('servicestage:webhooks:modify', 'webhook', (webhook) => webhook)
  @MessagePattern(WebhooksSubjects.updateWebhook)
  update(@Payload() request: UpdateWebhookRequest, @CurrentCaller() caller: Caller) {
    return this.webhooks.update(caller, request);
  }

  @UserRpc(Actions.assembling.modify)
  @Audited<WebhookWithSecretDto>('servicestage:webhooks:rotate-secret', 'webhook', audited)
  @MessagePattern(WebhooksSubjects.rotateWebhookSecret)
  rotateSecret(@Payload() request: WebhookIdRequest, @CurrentCaller() caller: Caller) {
    return this.webhooks.rotateSecret(caller, request.id);
  }

  @UserRpc(Actions.assembling.delete)
  @Audited<{ id: string }>('servicestage:webhooks:delete', 'webhook', (deleted) => deleted)
  @MessagePattern(WebhooksSubjects.deleteWebhook)
  delete(@Payload() request: WebhookIdRequest, @CurrentCaller() caller: Caller) {
    return this.webhooks.delete(caller, request.id);
  }

  @UserRpc(Actions.assembling.list, { emptyListWhenNowhere: true })
  @MessagePattern(WebhooksSubjects.listWebhooks)
  list(@Payload() request: ListWebhooksRequest, @CurrentCaller() caller: Caller) {
    return this.webhooks.list(caller, request.enterpriseProjectId);
  }

  @UserRpc(Actions.assembling.get)
  @MessagePattern(WebhooksSubjects.webhookDeliveries)
  deliveries(@Payload() request: WebhookDeliveriesRequest, @CurrentCaller() caller: Caller) {
    return this.webhooks.deliveries(caller, request.webhookId, request.limit ?? 50);
  }
}
