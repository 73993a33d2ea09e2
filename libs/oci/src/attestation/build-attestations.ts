import type { UnpackLimits } from '@stagecraft/archive';

import { cycloneDxBom } from '../sbom/cyclonedx';
import { readPackageComponents } from '../sbom/package-components';
import { type Attachment, CYCLONEDX_JSON_MEDIA_TYPE, DSSE_ENVELOPE_MEDIA_TYPE } from './attestation-publisher';
import { type DsseEnvelope, envelopeBytes, IN_TOTO_PAYLOAD_TYPE, signEnvelope } from './dsse';
import type { AttestationSigningKey } from './signing-key';
import { CYCLONEDX_PREDICATE, type ProvenanceInput, provenanceStatement, sbomStatement, SLSA_PROVENANCE_V1 } from './statements';

export interface SignedAttestations {
  provenance: { envelope: DsseEnvelope; bytes: Buffer };
  sbom: { envelope: DsseEnvelope; bytes: Buffer; bom: Buffer; components: number };
  /** In push order: the provenance envelope, the SBOM envelope (both in `.att`), then the raw BOM (`.sbom`). */
  envelopes: Attachment[];
  bom: Attachment;
}

/**
 * The SBOM and SLSA provenance of one succeeded build, each an in-toto statement about the
 * image, signed into a DSSE envelope. The SBOM is read from the package file the build used.
 */
export async function createBuildAttestations(
  input: ProvenanceInput & { packageFile: string; toolVersion: string },
  key: AttestationSigningKey,
  options: { limits?: Partial<UnpackLimits>; tmpDir?: string } = {},
): Promise<SignedAttestations> {
  const components = await readPackageComponents(input.packageFile, options);
  const bom = cycloneDxBom({
    imageName: input.imageName,
    imageDigest: input.imageDigest,
    timestamp: input.finishedOn,
    package: input.package,
    baseImage: input.baseImage,
    components,
    toolVersion: input.toolVersion,
  });
  const sign = (statement: unknown) => {
    const envelope = signEnvelope(Buffer.from(JSON.stringify(statement), 'utf8'), IN_TOTO_PAYLOAD_TYPE, key.privateKey);
    return { envelope, bytes: envelopeBytes(envelope) };
  };
  const provenance = sign(provenanceStatement(input));
  const sbom = sign(sbomStatement(input.imageName, input.imageDigest, bom));
  const bomBytes = Buffer.from(JSON.stringify(bom), 'utf8');
  return {
    provenance,
    sbom: { ...sbom, bom: bomBytes, components: components.length },
    envelopes: [
      { bytes: provenance.bytes, mediaType: DSSE_ENVELOPE_MEDIA_TYPE, predicateType: SLSA_PROVENANCE_V1 },
      { bytes: sbom.bytes, mediaType: DSSE_ENVELOPE_MEDIA_TYPE, predicateType: CYCLONEDX_PREDICATE },
    ],
    bom: { bytes: bomBytes, mediaType: CYCLONEDX_JSON_MEDIA_TYPE },
  };
}
