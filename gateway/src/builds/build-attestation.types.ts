import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ATTESTATION_ATTACHMENTS } from '@stagecraft/contracts';

import { enumOf } from '../graphql/enum-of';
import { DateTimeScalar } from '../graphql/scalars';

export const AttestationAttachment = enumOf(ATTESTATION_ATTACHMENTS);
export type AttestationAttachment = (typeof ATTESTATION_ATTACHMENTS)[number];
registerEnumType(AttestationAttachment, {
  name: 'AttestationAttachment',
  description: "REFERRERS: OCI 1.1 artifacts whose subject is the image; COSIGN_TAGS: cosign's sha256-<hex>.att and .sbom tags.",
});

@ObjectType({ description: 'The signed SBOM and SLSA provenance of a succeeded build (docs/attestations.md).' })
export class BuildAttestation {
  @Field(() => AttestationAttachment) attachedAs!: AttestationAttachment;
  @Field(() => [String], { description: 'in-toto predicate types: SLSA provenance v1, CycloneDX.' }) predicateTypes!: string[];
  @Field({ description: "The provenance's DSSE envelope (JSON), signed with the key of attestationPublicKey." })
  provenance!: string;
  @Field({ description: 'sha256 of the provenance envelope as pushed.' }) provenanceDigest!: string;
  @Field({ description: 'The CycloneDX 1.5 JSON SBOM.' }) sbom!: string;
  @Field({ description: 'sha256 of the CycloneDX JSON as pushed.' }) sbomDigest!: string;
  @Field({
    description: "The SBOM's signed DSSE envelope (JSON): an in-toto statement with predicateType https://cyclonedx.org/bom.",
  })
  sbomEnvelope!: string;
  @Field(() => Int, { description: "Dependencies the package's manifests name." }) sbomComponents!: number;
  @Field(() => DateTimeScalar) createdAt!: string;
}
