import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { UnpackLimits } from '@stagecraft/archive';
import type { EgressPolicy } from '@stagecraft/config';
import {
  attachAttestations,
  type AttestationSigningKey,
  createBuildAttestations,
  CYCLONEDX_PREDICATE,
  downloadPackage,
  parseImageReference,
  RegistryClient,
  type RegistryCredentials,
  sha256Digest,
  SLSA_PROVENANCE_V1,
  withoutQuery,
} from '@stagecraft/oci';

import type { BuildEntity } from '../infra/build.entity';
import type { BuildAttestationEntity } from '../infra/build-attestation.entity';
import { externalParametersOf } from './external-parameters';

/** The build type every Stagecraft provenance names; docs/attestations.md#build-type describes its parameters. */
export const STAGECRAFT_BUILD_TYPE = 'https://stagecraft.dev/attestations/build-type/v1';

export interface AttestorOptions {
  key: AttestationSigningKey;
  builderId: string;
  egress: EgressPolicy;
  limits?: Partial<UnpackLimits>;
  toolVersion: string;
}

export interface AttestRequest {
  build: BuildEntity;
  imageDigest: string;
  credentials: Record<string, RegistryCredentials>;
  /** The package's URL now (a fresh one if the build's own may have expired). */
  packageUrl: string;
  /** Masks what the secret scan flags in a custom Dockerfile before it goes into the provenance. */
  mask: (text: string) => string;
  finishedOn: Date;
  signal: AbortSignal;
  /** What the pushed image names as its base (readBaseImage), read once by the runner, which also records it on the build. */
  baseImage: { name: string; digest: string } | null;
}

/**
 * Makes a succeeded build's SBOM and SLSA provenance, signs both with the platform's key and
 * attaches them to the pushed image (docs/attestations.md). The package is downloaded again,
 * through the egress policy, and checked against its sha256; the base image is named by the
 * digest the pushed image's own annotations record, so the attestation says what the build used.
 */
export class BuildAttestor {
  constructor(private readonly options: AttestorOptions) {}

  get publicKeyPem(): string {
    return this.options.key.publicKeyPem;
  }

  async attest(request: AttestRequest): Promise<Omit<BuildAttestationEntity, 'createdAt'>> {
    const { build, imageDigest, signal } = request;
    const target = parseImageReference(build.spec.archiveImage);
    const imageName = `${target.registry}/${target.repository}`;
    const client = new RegistryClient({
      registry: target.registry,
      credentials: request.credentials[target.registry],
      signal,
      fetch: this.options.egress.fetch,
    });
    const workdir = await mkdtemp(join(tmpdir(), `stagecraft-attest-${build.id}-`));
    try {
      const packageFile = join(workdir, 'package');
      await downloadPackage(request.packageUrl, packageFile, build.packageSha256, signal, this.options.egress.fetch);
      const signed = await createBuildAttestations(
        {
          imageName,
          imageDigest,
          buildType: STAGECRAFT_BUILD_TYPE,
          externalParameters: externalParametersOf(build, request.mask),
          // Named by its id in artifacts: its storage key names no file.
          package: {
            name: `package/${build.spec.packageId}`,
            sha256: build.packageSha256,
            uri: withoutQuery(request.packageUrl),
          },
          baseImage: request.baseImage,
          builderId: this.options.builderId,
          invocationId: build.id,
          startedOn: build.startedAt,
          finishedOn: request.finishedOn,
          packageFile,
          toolVersion: this.options.toolVersion,
        },
        this.options.key,
        { limits: this.options.limits, tmpDir: workdir },
      );
      const attached = await attachAttestations(client, target.repository, imageDigest, signed.envelopes, signed.bom);
      return {
        buildId: build.id,
        attachedAs: attached.attachedAs,
        predicateTypes: [SLSA_PROVENANCE_V1, CYCLONEDX_PREDICATE],
        provenanceDigest: sha256Digest(signed.provenance.bytes),
        sbomDigest: sha256Digest(signed.bom.bytes),
        provenanceEnvelope: signed.provenance.bytes.toString('utf8'),
        sbomEnvelope: signed.sbom.bytes.toString('utf8'),
        sbom: signed.bom.bytes.toString('utf8'),
        sbomComponents: signed.sbom.components,
        attachedManifests: attached.manifests,
      };
    } finally {
      await rm(workdir, { recursive: true, force: true });
    }
  }
}
