import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { BUILD_TYPES, IMAGE_CLASSES } from '@stagecraft/contracts';

import { TechStack } from '../artifacts/artifacts.types';
import { Build } from '../builds/builds.types';
import { Label, LabelInput } from '../clusters/clusters.types';
import { type ConnectionShape, PageInfo } from '../graphql/connection';
import { enumOf } from '../graphql/enum-of';
import { DateTimeScalar } from '../graphql/scalars';

export const BuildType = enumOf(BUILD_TYPES);
export type BuildType = (typeof BUILD_TYPES)[number];
registerEnumType(BuildType, { name: 'BuildType' });

export const ImageClass = enumOf(IMAGE_CLASSES);
export type ImageClass = (typeof IMAGE_CLASSES)[number];
registerEnumType(ImageClass, { name: 'ImageClass' });

@ObjectType()
export class BuildSpec {
  @Field(() => BuildType) type!: BuildType;
  @Field(() => String, { nullable: true, description: 'SYSTEM_DEFAULT and IMAGE.' }) baseImage!: string | null;
  @Field(() => String, { nullable: true, description: 'SYSTEM_DEFAULT.' }) baseImageTag!: string | null;
  @Field(() => String, { nullable: true, description: 'CUSTOM_DOCKERFILE.' }) dockerfile!: string | null;
}

@ObjectType({ description: 'A likely secret in a custom Dockerfile: the job is saved, and build logs mask the value.' })
export class DockerfileWarning {
  @Field(() => Int) line!: number;
  @Field() kind!: string;
  @Field() message!: string;
}

@ObjectType()
export class PackageJob {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => TechStack) techStack!: TechStack;
  @Field(() => BuildSpec) buildSpec!: BuildSpec;
  @Field(() => ImageClass) imageClass!: ImageClass;
  @Field() archiveImage!: string;
  @Field(() => [Label]) nodeLabels!: Label[];
  @Field(() => [DockerfileWarning]) warnings!: DockerfileWarning[];
  @Field({
    description:
      'When a base image its last succeeded build used changes, start a BASE_IMAGE_CHANGED build: a rebase (new base layers, same app layers) for SYSTEM_DEFAULT and IMAGE jobs, a full rebuild for CUSTOM_DOCKERFILE ones.',
  })
  autoRebase!: boolean;
  @Field(() => DateTimeScalar) createdAt!: string;
  @Field(() => DateTimeScalar) updatedAt!: string;
  @Field(() => Int, { description: 'Optimistic concurrency: pass it as expectedVersion to updatePackageJob.' }) version!: number;
  /** Resolved through the owning services by the job resolver. */
  enterpriseProjectId!: string;
  packageId!: string;
  clusterId!: string;
  createdBy!: string;
}

@ObjectType()
export class PackageJobEdge {
  @Field() cursor!: string;
  @Field(() => PackageJob) node!: PackageJob;
}

@ObjectType()
export class PackageJobConnection implements ConnectionShape<PackageJob> {
  @Field(() => [PackageJobEdge]) edges!: PackageJobEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int, { nullable: true, description: 'Counted only when asked for.' }) totalCount!: number | null;
}

@ObjectType()
export class CreatePackageJobPayload {
  @Field(() => PackageJob) job!: PackageJob;
  @Field(() => Build, { nullable: true, description: 'Set when created with build: true.' }) build!: Build | null;
}

@InputType()
export class PackageJobFilter {
  @Field(() => ID, { nullable: true }) enterpriseProjectId?: string | null;
  @Field(() => String, { nullable: true }) nameContains?: string | null;
  @Field(() => ID, { nullable: true }) clusterId?: string | null;
}

@InputType()
export class PackageJobInput {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => ID, { nullable: true }) enterpriseProjectId?: string | null;
  @Field(() => ID) packageId!: string;
  @Field(() => BuildType) buildType!: BuildType;
  @Field(() => String, { nullable: true }) baseImage?: string | null;
  @Field(() => String, { nullable: true }) baseImageTag?: string | null;
  @Field(() => String, { nullable: true }) dockerfile?: string | null;
  @Field(() => ImageClass) imageClass!: ImageClass;
  @Field() archiveImage!: string;
  @Field(() => ID) clusterId!: string;
  @Field(() => [LabelInput], { nullable: true }) nodeLabels?: LabelInput[] | null;
  @Field(() => Boolean, { nullable: true, description: 'Default false. See PackageJob.autoRebase.' })
  autoRebase?: boolean | null;
}

@InputType()
export class PackageJobPatch {
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => ID, { nullable: true }) packageId?: string | null;
  @Field(() => BuildType, { nullable: true }) buildType?: BuildType | null;
  @Field(() => String, { nullable: true }) baseImage?: string | null;
  @Field(() => String, { nullable: true }) baseImageTag?: string | null;
  @Field(() => String, { nullable: true }) dockerfile?: string | null;
  @Field(() => ImageClass, { nullable: true }) imageClass?: ImageClass | null;
  @Field(() => String, { nullable: true }) archiveImage?: string | null;
  @Field(() => ID, { nullable: true }) clusterId?: string | null;
  @Field(() => [LabelInput], { nullable: true }) nodeLabels?: LabelInput[] | null;
  @Field(() => Boolean, { nullable: true, description: 'Null or absent: unchanged.' }) autoRebase?: boolean | null;
}
