import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';

import { connectionOf } from '../graphql/connection';
import { DateTimeScalar } from '../graphql/scalars';

export enum Effect {
  ALLOW = 'ALLOW',
  DENY = 'DENY',
}
registerEnumType(Effect, { name: 'Effect' });

@ObjectType()
export class User {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() isAdmin!: boolean;
}

@ObjectType({ description: 'An access key, without its secret.' })
export class AccessKeyInfo {
  @Field() accessKey!: string;
  @Field(() => DateTimeScalar) createdAt!: string;
  @Field(() => DateTimeScalar, { nullable: true }) lastUsedAt!: string | null;
  @Field({ description: 'false after disableAccessKey: it can no longer sign in.' }) enabled!: boolean;
}

@ObjectType({ description: "A user of the account with its access keys (administrators' view)." })
export class AccountUser {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() isAdmin!: boolean;
  @Field(() => DateTimeScalar) createdAt!: string;
  @Field(() => [AccessKeyInfo]) accessKeys!: AccessKeyInfo[];
}

@ObjectType({ description: 'An action of the IAM catalog, as policies name it.' })
export class IamActionDefinition {
  @Field({ description: 'e.g. servicestage:assembling:create' }) name!: string;
  @Field() description!: string;
  @Field({ description: 'Grants nothing to users who are not administrators, whatever a policy says.' }) adminOnly!: boolean;
}

@ObjectType()
export class EnterpriseProject {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => DateTimeScalar) createdAt!: string;
}

@ObjectType()
export class PolicyStatement {
  @Field(() => Effect) effect!: Effect;
  @Field(() => [String]) actions!: string[];
}

@ObjectType()
export class Policy {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => [PolicyStatement]) statements!: PolicyStatement[];
  @Field(() => DateTimeScalar) createdAt!: string;
}

@ObjectType({ description: 'A policy attached to a user; enterpriseProjects null means every project.' })
export class PolicyAttachment {
  @Field(() => ID) id!: string;
  @Field(() => Policy) policy!: Policy;
  @Field(() => User) user!: User;
  @Field(() => [EnterpriseProject], { nullable: true }) enterpriseProjects!: EnterpriseProject[] | null;
}

@ObjectType()
export class PermissionDecision {
  @Field() allowed!: boolean;
  @Field() reason!: string;
  @Field(() => Policy, { nullable: true }) matchedPolicy!: Policy | null;
}

@InputType()
export class PolicyStatementInput {
  @Field(() => Effect) effect!: Effect;
  @Field(() => [String]) actions!: string[];
}

@ObjectType({ description: 'A login: a short-lived access token and a refresh token that refreshAccessToken rotates.' })
export class Session {
  @Field({ description: 'The bearer token (IAM_TOKEN_TTL_SECONDS, 15 minutes by default).' }) accessToken!: string;
  @Field({ description: 'Opaque; exchange it once with refreshAccessToken for a new session.' }) refreshToken!: string;
  @Field(() => DateTimeScalar, { description: 'When the access token expires.' }) expiresAt!: string;
  @Field(() => DateTimeScalar, { description: 'When the login ends: refreshing does not extend it.' })
  refreshExpiresAt!: string;
}

@ObjectType({ description: 'Who did what to which resource, and when.' })
export class AuditRecord {
  @Field(() => ID) id!: string;
  @Field(() => ID, { description: 'The user who did it (the id remains after the user is deleted).' }) actorId!: string;
  @Field({ description: 'The catalog action, e.g. iam:users:delete or servicestage:assembling:create.' }) action!: string;
  @Field({ description: 'e.g. user, access-key, policy, package-job, build.' }) resourceType!: string;
  @Field() resourceId!: string;
  @Field(() => ID, { nullable: true }) enterpriseProjectId!: string | null;
  @Field({ description: 'The process that did it.' }) service!: string;
  @Field(() => DateTimeScalar) occurredAt!: string;
}

export const AuditRecordConnection = connectionOf(AuditRecord);
