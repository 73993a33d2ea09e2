import { Field, ID, ObjectType } from '@nestjs/graphql';

import { DateTimeScalar } from '../graphql/scalars';
import { ImageClass } from '../jobs/jobs.types';

@ObjectType({
  description:
    "A repository of the embedded registry: the project of the first build that pushed it owns it, and its class says who may pull it (PUBLIC: anyone; PRIVATE: servicestage:image:pull in that project, or the project's robot accounts).",
})
export class ImageRepository {
  @Field({ description: 'Its path in the registry, e.g. team/orders.' }) name!: string;
  @Field(() => ID) enterpriseProjectId!: string;
  @Field(() => ImageClass) imageClass!: ImageClass;
  @Field({ description: 'host/name: what docker pull takes, with a tag.' }) reference!: string;
  @Field(() => DateTimeScalar) createdAt!: string;
  @Field(() => DateTimeScalar) updatedAt!: string;
}

@ObjectType({ description: "A project's pull-only registry login, for the clusters that run its images." })
export class RobotAccount {
  @Field(() => ID, { description: 'Also its login name.' }) id!: string;
  @Field() name!: string;
  @Field(() => ID) enterpriseProjectId!: string;
  @Field(() => DateTimeScalar) createdAt!: string;
  @Field(() => DateTimeScalar, { nullable: true }) lastUsedAt!: string | null;
}

@ObjectType({ description: 'Answered once: the secret is not kept.' })
export class CreatedRobotAccount {
  @Field(() => RobotAccount) robot!: RobotAccount;
  @Field() secret!: string;
  @Field({
    description:
      'The .dockerconfigjson of a kubernetes.io/dockerconfigjson Secret for the embedded registry: `kubectl create secret generic NAME --type=kubernetes.io/dockerconfigjson --from-file=.dockerconfigjson=FILE`, then imagePullSecrets.',
  })
  dockerConfigJson!: string;
}
