import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actions } from '@stagecraft/authz';
import { WebhooksSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { Meta } from '../auth/meta.decorator';
import { RequirePermission } from '../auth/permission.decorator';
import type { RequestContext } from '../auth/request-context';
import { CreateWebhookInput, UpdateWebhookInput, Webhook, WebhookDelivery, WebhookWithSecret } from './webhooks.types';

/** Webhooks of enterprise projects, under the project's package-job rights (docs/webhooks.md#permissions). */
@Resolver(() => Webhook)
export class WebhooksResolver {
  constructor(private readonly client: NatsRpcClient) {}

  @RequirePermission(Actions.assembling.list)
  @Query(() => [Webhook], { description: "An enterprise project's webhooks; empty where the caller may not list." })
  webhooks(@Args('enterpriseProjectId', { type: () => ID }) enterpriseProjectId: string, @Meta() meta: RequestContext) {
    return this.client.send(WebhooksSubjects.listWebhooks, { enterpriseProjectId }, meta);
  }

  @RequirePermission(Actions.assembling.get)
  @Query(() => [WebhookDelivery], { description: "A webhook's newest deliveries, newest first (a bounded log)." })
  webhookDeliveries(
    @Args('webhookId', { type: () => ID }) webhookId: string,
    @Args('limit', { type: () => Int, defaultValue: 50 }) limit: number,
    @Meta() meta: RequestContext,
  ) {
    return this.client.send(WebhooksSubjects.webhookDeliveries, { webhookId, limit }, meta);
  }

  @RequirePermission(Actions.assembling.create)
  @Mutation(() => WebhookWithSecret, { description: 'Answers the signing secret, this once.' })
  createWebhook(@Args('input') input: CreateWebhookInput, @Meta() meta: RequestContext) {
    return this.client.send(WebhooksSubjects.createWebhook, input, meta);
  }

  @RequirePermission(Actions.assembling.modify)
  @Mutation(() => Webhook)
  updateWebhook(
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateWebhookInput,
    @Meta() meta: RequestContext,
  ) {
    return this.client.send(WebhooksSubjects.updateWebhook, { ...input, id }, meta);
  }

  @RequirePermission(Actions.assembling.modify)
  @Mutation(() => WebhookWithSecret, {
    description: 'A new signing secret replaces the old one at once; answered this once.',
  })
  rotateWebhookSecret(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return this.client.send(WebhooksSubjects.rotateWebhookSecret, { id }, meta);
  }

  @RequirePermission(Actions.assembling.delete)
  @Mutation(() => ID, { description: 'Its pending deliveries and its log go with it.' })
  async deleteWebhook(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return (await this.client.send(WebhooksSubjects.deleteWebhook, { id }, meta)).id;
  }
}
