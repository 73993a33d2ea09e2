import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { BUILD_PHASE_OUTCOMES, BUILD_PHASES, BUILD_STATUSES, BUILD_TRIGGERS, type BuildPageDto } from '@stagecraft/contracts';

import { connectionOf, toConnection } from '../graphql/connection';
import { enumOf } from '../graphql/enum-of';
import { DateTimeScalar } from '../graphql/scalars';

export const BuildStatus = enumOf(BUILD_STATUSES);
export type BuildStatus = (typeof BUILD_STATUSES)[number];
registerEnumType(BuildStatus, {
  name: 'BuildStatus',
  description: 'FAILED: the user input failed; ERROR: the platform did.',
  valuesMap: {
    // In the public contract (../shared/api/schema.graphql), so clients built against it still parse it.
    PENDING: {
      deprecationReason: 'Never written: a build is stored QUEUED from its first moment (docs/package-jobs.md#builds).',
    },
  },
});

export const BuildPhase = enumOf(BUILD_PHASES);
export type BuildPhase = (typeof BUILD_PHASES)[number];
registerEnumType(BuildPhase, { name: 'BuildPhase' });

export const BuildPhaseOutcome = enumOf(BUILD_PHASE_OUTCOMES);
export type BuildPhaseOutcome = (typeof BUILD_PHASE_OUTCOMES)[number];
registerEnumType(BuildPhaseOutcome, {
  name: 'BuildPhaseOutcome',
  description: 'SUCCEEDED: the build moved on to the next phase or succeeded; otherwise how the build ended in it.',
});

export const BuildTrigger = enumOf(BUILD_TRIGGERS);
export type BuildTrigger = (typeof BUILD_TRIGGERS)[number];
registerEnumType(BuildTrigger, {
  name: 'BuildTrigger',
  description:
    'MANUAL: a user started it (startBuild, or a job saved with buildNow); BASE_IMAGE_CHANGED: the base image its previous build used changed and the job has autoRebase.',
});

@ObjectType({ description: 'One phase of a run, with its times.' })
export class BuildPhaseTime {
  @Field(() => BuildPhase) phase!: BuildPhase;
  @Field(() => DateTimeScalar) startedAt!: string;
  @Field(() => DateTimeScalar, { nullable: true, description: 'Null while the phase runs.' }) finishedAt!: string | null;
  @Field(() => BuildPhaseOutcome, { nullable: true, description: 'Null while the phase runs.' })
  outcome!: BuildPhaseOutcome | null;
}

@ObjectType()
export class Build {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: 'Per job, from 1.' }) number!: number;
  @Field(() => BuildStatus) status!: BuildStatus;
  @Field(() => BuildPhase, { nullable: true }) phase!: BuildPhase | null;
  @Field(() => [BuildPhaseTime], { description: 'The phases the run went through, in order; empty until it runs.' })
  phases!: BuildPhaseTime[];
  @Field(() => String, {
    nullable: true,
    description: 'A machine-readable code on FAILED, ERROR, TIMED_OUT, CANCELLED and EXPIRED.',
  })
  reason!: string | null;
  @Field(() => String, { nullable: true }) message!: string | null;
  @Field(() => String, { nullable: true }) node!: string | null;
  @Field(() => String, { nullable: true, description: 'sha256:… of the pushed manifest.' }) imageDigest!: string | null;
  @Field(() => String, { nullable: true, description: 'archiveImage@digest.' }) image!: string | null;
  @Field(() => BuildTrigger) trigger!: BuildTrigger;
  @Field(() => String, {
    nullable: true,
    description:
      "On SUCCEEDED: the base image the pushed image names (org.opencontainers.image.base.name), for a custom Dockerfile its final stage's FROM image; null for none (scratch).",
  })
  baseImage!: string | null;
  @Field(() => String, { nullable: true, description: 'On SUCCEEDED: sha256:… of that base image as built on.' })
  baseImageDigest!: string | null;
  @Field(() => DateTimeScalar) createdAt!: string;
  @Field(() => DateTimeScalar, { nullable: true }) startedAt!: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) finishedAt!: string | null;
  /** Resolved by the build resolver. */
  jobId!: string;
  triggeredBy!: string;
}

@ObjectType({ isAbstract: true })
class BuildCounts {
  @Field(() => Int, { description: 'Builds of the job the caller may see, on every page.' }) totalCount!: number;
  @Field(() => Int, { description: 'Of those, the ones that have ended (any terminal state).' }) finishedCount!: number;
  @Field(() => Int, { description: 'Of those, the SUCCEEDED ones.' }) succeededCount!: number;
}

export const BuildConnection = connectionOf(Build, 'Build', BuildCounts);

export function toBuildConnection(page: BuildPageDto) {
  return {
    ...toConnection(page),
    totalCount: page.counts.total,
    finishedCount: page.counts.finished,
    succeededCount: page.counts.succeeded,
  };
}

@ObjectType()
export class BuildLogChunk {
  @Field(() => ID) buildId!: string;
  @Field(() => Float) offset!: number;
  @Field() text!: string;
  @Field(() => Float, { description: 'Pass it as offset to read on.' }) nextOffset!: number;
  @Field({ description: 'The build has ended and everything it wrote was read.' }) complete!: boolean;
}

@ObjectType({ description: 'A state change of a build, as published on the BUILD_EVENTS stream.' })
export class BuildEvent {
  @Field(() => Float, { description: 'The stream sequence: pass it as afterSequence to resume.' }) sequence!: number;
  @Field({
    description:
      'queued, scheduling, running, node (a Kubernetes build landed on a node), phase, succeeded, failed, error, timed_out, cancelling, cancelled, expired.',
  })
  type!: string;
  @Field(() => Build) build!: Build;
  @Field(() => DateTimeScalar) at!: string;
}

export const BASE_IMAGE_IMPACT_ACTIONS = ['REBASE', 'REBUILD', 'NONE'] as const;
export const BaseImageImpactAction = enumOf(BASE_IMAGE_IMPACT_ACTIONS);
export type BaseImageImpactAction = (typeof BASE_IMAGE_IMPACT_ACTIONS)[number];
registerEnumType(BaseImageImpactAction, {
  name: 'BaseImageImpactAction',
  description:
    'What a new digest of the base would start: REBASE (autoRebase, a SYSTEM_DEFAULT or IMAGE build), REBUILD (autoRebase, a CUSTOM_DOCKERFILE build), NONE (not opted in).',
});

@ObjectType({ description: 'A job whose latest succeeded build used the base image asked about.' })
export class BaseImageImpact {
  @Field(() => ID) jobId!: string;
  @Field() jobName!: string;
  @Field(() => ID, { description: 'The succeeded build that recorded the base.' }) buildId!: string;
  @Field({ description: 'sha256:… of the base that build was built on.' }) recordedDigest!: string;
  @Field(() => BaseImageImpactAction) action!: BaseImageImpactAction;
}
