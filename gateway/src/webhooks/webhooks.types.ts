import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { BUILD_EVENT_TYPES } from '@stagecraft/contracts';

import { BuildStatus } from '../builds/builds.types';
import { enumOf } from '../graphql/enum-of';
import { DateTimeScalar } from '../graphql/scalars';

export const WEBHOOK_DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export const WebhookDeliveryStatus = enumOf(WEBHOOK_DELIVERY_STATUSES);
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'PENDING until the receiver answers 2xx (DELIVERED) or the last attempt fails (FAILED).',
});

const EVENT_TYPES_DESCRIPTION = `Build event types it receives: ${BUILD_EVENT_TYPES.join(', ')}.`;

@ObjectType({
  description: "A project's webhook: build events POSTed as signed CloudEvents (docs/webhooks.md). Never its secret.",
})
export class Webhook {
  @Field(() => ID) id!: string;
  @Field(() => ID) enterpriseProjectId!: string;
  @Field() url!: string;
  @Field() description!: string;
  @Field(() => [String], { description: EVENT_TYPES_DESCRIPTION }) eventTypes!: string[];
  @Field(() => [BuildStatus], { description: 'Build statuses it receives; empty: any.' }) statuses!: BuildStatus[];
  @Field() enabled!: boolean;
  @Field(() => ID) createdBy!: string;
  @Field(() => DateTimeScalar) createdAt!: string;
  @Field(() => DateTimeScalar) updatedAt!: string;
}

@ObjectType({ description: 'A webhook with its signing secret: answered only on creation and rotation, never again.' })
export class WebhookWithSecret {
  @Field(() => Webhook) webhook!: Webhook;
  @Field({ description: 'HMAC-SHA256 key of X-Stagecraft-Signature. Store it now: it is not shown again.' })
  secret!: string;
}

@ObjectType({ description: "One event's delivery to a webhook, as its log keeps it." })
export class WebhookDelivery {
  @Field(() => ID) id!: string;
  @Field(() => ID) webhookId!: string;
  @Field(() => ID, { description: 'The CloudEvents id: the build event id.' }) eventId!: string;
  @Field({ description: 'The CloudEvents type, e.g. io.stagecraft.build.succeeded.' }) eventType!: string;
  @Field(() => WebhookDeliveryStatus) status!: WebhookDeliveryStatus;
  @Field(() => Int) attempts!: number;
  @Field(() => Int, { nullable: true, description: "The receiver's last HTTP status; null when no answer came." })
  lastStatusCode!: number | null;
  @Field(() => String, { nullable: true, description: 'Why the last attempt got no answer (timeout, refused address…).' })
  lastError!: string | null;
  @Field(() => String, { nullable: true, description: "The first bytes (at most 1 KiB) of the receiver's last answer." })
  responseExcerpt!: string | null;
  @Field(() => DateTimeScalar) createdAt!: string;
  @Field(() => DateTimeScalar, { nullable: true }) lastAttemptAt!: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When it is tried again; null once it has ended.' })
  nextAttemptAt!: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) finishedAt!: string | null;
}

@InputType()
export class CreateWebhookInput {
  @Field(() => ID) enterpriseProjectId!: string;
  @Field({ description: 'http(s), without a user or password, at most 2048 characters.' }) url!: string;
  @Field(() => [String], { description: EVENT_TYPES_DESCRIPTION }) eventTypes!: string[];
  @Field(() => [BuildStatus], { nullable: true, description: 'Empty or absent: any.' }) statuses?: BuildStatus[] | null;
  @Field(() => String, { nullable: true, description: 'At most 256 characters.' }) description?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Default true.' }) enabled?: boolean | null;
}

@InputType({ description: 'Only the fields given change.' })
export class UpdateWebhookInput {
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => [String], { nullable: true }) eventTypes?: string[] | null;
  @Field(() => [BuildStatus], { nullable: true }) statuses?: BuildStatus[] | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => Boolean, { nullable: true }) enabled?: boolean | null;
}
