import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';

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
