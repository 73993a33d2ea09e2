import { Field, Float, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { PACKAGE_SOURCES, PACKAGE_STATUSES, TECH_STACKS } from '@stagecraft/contracts';

import { connectionOf } from '../graphql/connection';
import { enumOf } from '../graphql/enum-of';
import { DateTimeScalar } from '../graphql/scalars';

export const TechStack = enumOf(TECH_STACKS);
export type TechStack = (typeof TECH_STACKS)[number];
registerEnumType(TechStack, { name: 'TechStack' });

export const PackageSource = enumOf(PACKAGE_SOURCES);
export type PackageSource = (typeof PACKAGE_SOURCES)[number];
registerEnumType(PackageSource, {
  name: 'PackageSource',
  description: "SWR: Stagecraft's repository; OBS: a bucket of the account's.",
});

export const PackageStatus = enumOf(PACKAGE_STATUSES);
export type PackageStatus = (typeof PACKAGE_STATUSES)[number];
registerEnumType(PackageStatus, { name: 'PackageStatus' });

@ObjectType()
export class SoftwarePackage {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() version!: string;
  @Field(() => PackageSource) source!: PackageSource;
  @Field(() => String, { nullable: true, description: 'OBS only.' }) bucket!: string | null;
  @Field() objectKey!: string;
  @Field(() => TechStack, { nullable: true, description: "Detected from the archive's contents, or declared and then checked." })
  techStack!: TechStack | null;
  @Field(() => Float, { nullable: true }) sizeBytes!: number | null;
  @Field(() => String, { nullable: true }) sha256!: string | null;
  @Field(() => PackageStatus) status!: PackageStatus;
  @Field(() => String, { nullable: true, description: 'Why the package was REJECTED.' }) rejectionReason!: string | null;
  @Field(() => DateTimeScalar) createdAt!: string;
  /** Resolved through iam by the package resolver. */
  enterpriseProjectId!: string;
}

@ObjectType()
export class PackageUpload {
  @Field(() => SoftwarePackage) package!: SoftwarePackage;
  @Field({ description: 'PUT the bytes here before it expires, then call completePackageUpload.' }) uploadUrl!: string;
  @Field(() => DateTimeScalar) expiresAt!: string;
}

@ObjectType({ description: "The credentials Stagecraft uses for the account's OBS buckets (the secret is never returned)." })
export class ObsCredentials {
  @Field() endpoint!: string;
  @Field() region!: string;
  @Field() accessKeyId!: string;
  @Field(() => DateTimeScalar) updatedAt!: string;
}

export const SoftwarePackageConnection = connectionOf(SoftwarePackage);
