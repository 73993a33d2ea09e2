import { Field, Float, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { PACKAGE_SOURCES, PACKAGE_STATUSES, PACKAGE_VERIFICATIONS, TECH_STACKS } from '@stagecraft/contracts';

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

export const PackageVerification = enumOf(PACKAGE_VERIFICATIONS);
export type PackageVerification = (typeof PACKAGE_VERIFICATIONS)[number];
registerEnumType(PackageVerification, {
  name: 'PackageVerification',
  description: "Who vouched for a package's sha256.",
  valuesMap: {
    STORE_CHECKSUM: {
      description:
        'The object store verified the sha256 declared at createPackageUpload as the bytes arrived; Stagecraft then read only what detecting the stack needs.',
    },
    FULL_READ: { description: 'Stagecraft read and hashed every byte (the store verifies no checksums, or none was declared).' },
  },
});

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
  @Field(() => PackageVerification, {
    nullable: true,
    description: 'How sha256 was established; null until the bytes were verified.',
  })
  verification!: PackageVerification | null;
  @Field(() => PackageStatus) status!: PackageStatus;
  @Field(() => String, { nullable: true, description: 'Why the package was REJECTED.' }) rejectionReason!: string | null;
  @Field(() => DateTimeScalar) createdAt!: string;
  /** Resolved through iam by the package resolver. */
  enterpriseProjectId!: string;
}

@ObjectType({ description: 'A header an HTTP request must carry as it is.' })
export class HttpHeader {
  @Field() name!: string;
  @Field() value!: string;
}

@ObjectType()
export class PackageUpload {
  @Field(() => SoftwarePackage) package!: SoftwarePackage;
  @Field({ description: 'PUT the bytes here before it expires, then call completePackageUpload.' }) uploadUrl!: string;
  @Field(() => [HttpHeader], {
    description: 'Send these headers with the PUT: they are part of its signature (x-amz-checksum-sha256 when sha256 was given).',
  })
  uploadHeaders!: HttpHeader[];
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
