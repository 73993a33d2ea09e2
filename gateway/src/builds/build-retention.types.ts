import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { BUILD_RETENTION_SOURCES, MAX_BUILD_AGE_DAYS, MAX_KEPT_BUILDS } from '@stagecraft/contracts';

import { enumOf } from '../graphql/enum-of';

export const BuildRetentionSource = enumOf(BUILD_RETENTION_SOURCES);
export type BuildRetentionSource = keyof typeof BuildRetentionSource;
registerEnumType(BuildRetentionSource, {
  name: 'BuildRetentionSource',
  description: "Where a build history policy comes from: the job's own, its project's default, or the platform's.",
});

@ObjectType({
  description:
    'How much finished build history is kept (docs/package-jobs.md#build-history). Never pruned: an unfinished build, the newest SUCCEEDED one and the newest one of a job.',
})
export class BuildRetention {
  @Field(() => Int, { description: 'The newest this many SUCCEEDED builds of a job are kept; 0: all.' }) keepSucceeded!: number;
  @Field(() => Int, { description: 'The newest this many builds of a job that ended otherwise are kept; 0: all.' })
  keepFailed!: number;
  @Field(() => Int, { description: 'Builds that ended longer ago than this many days go, whatever the counts; 0: no limit.' })
  maxAgeDays!: number;
  @Field({
    description:
      'Pruning a build also deletes the image it pushed, by digest with every tag on it in that repository, unless a kept build pushed the same digest.',
  })
  deleteImages!: boolean;
  @Field(() => ID) enterpriseProjectId!: string;
  @Field(() => ID, { nullable: true, description: 'The job it holds for; null: the project default.' }) jobId!: string | null;
  @Field(() => BuildRetentionSource) source!: BuildRetentionSource;
}

@InputType()
export class BuildRetentionInput {
  @Field(() => Int, { description: `0 to ${MAX_KEPT_BUILDS}; 0 keeps all.` }) keepSucceeded!: number;
  @Field(() => Int, { description: `0 to ${MAX_KEPT_BUILDS}; 0 keeps all.` }) keepFailed!: number;
  @Field(() => Int, { description: `0 to ${MAX_BUILD_AGE_DAYS}; 0: no age limit.` }) maxAgeDays!: number;
  @Field({ defaultValue: false, description: 'Delete the images of pruned builds too.' }) deleteImages!: boolean;
}
