import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { CLUSTER_STATUSES, CLUSTER_TYPES } from '@stagecraft/contracts';

import { connectionOf } from '../graphql/connection';
import { enumOf } from '../graphql/enum-of';
import { DateTimeScalar } from '../graphql/scalars';

export const ClusterType = enumOf(CLUSTER_TYPES);
export type ClusterType = (typeof CLUSTER_TYPES)[number];
registerEnumType(ClusterType, { name: 'ClusterType', description: 'LOCAL: this machine, no kubeconfig.' });

export const ClusterStatus = enumOf(CLUSTER_STATUSES);
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];
registerEnumType(ClusterStatus, { name: 'ClusterStatus' });

@ObjectType()
export class Label {
  @Field() key!: string;
  @Field() value!: string;
}

@InputType()
export class LabelInput {
  @Field() key!: string;
  @Field() value!: string;
}

@ObjectType()
export class ClusterNode {
  @Field() name!: string;
  @Field(() => [Label]) labels!: Label[];
  @Field() ready!: boolean;
  @Field(() => String, { nullable: true }) internalIP!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'The bound EIP: a build node needs one to fetch packages and base images.',
  })
  externalIP!: string | null;
}

@ObjectType()
export class Cluster {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => ClusterType) type!: ClusterType;
  @Field(() => ClusterStatus) status!: ClusterStatus;
  @Field(() => String, { nullable: true, description: 'Why the cluster is UNAVAILABLE.' }) statusReason!: string | null;
  @Field(() => String, { nullable: true, description: 'The API server of a Kubernetes cluster.' }) server!: string | null;
  @Field(() => String, { nullable: true, description: 'The namespace builds run in.' }) buildNamespace!: string | null;
  @Field(() => [ClusterNode]) nodes!: ClusterNode[];
  @Field(() => DateTimeScalar) createdAt!: string;
  /** Resolved through iam by the cluster resolver. */
  enterpriseProjectId!: string;
}

export const ClusterConnection = connectionOf(Cluster);

@ObjectType({ description: 'Which nodes a build pinned to some labels could run on.' })
export class NodeSelection {
  @Field(() => [ClusterNode], { description: 'Ready nodes carrying every label.' }) matching!: ClusterNode[];
  @Field(() => [ClusterNode], { description: 'Of those, the ones a build may run on (with an EIP, or the LOCAL node).' })
  eligible!: ClusterNode[];
}
