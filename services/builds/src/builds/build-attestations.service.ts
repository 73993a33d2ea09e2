import { Inject, Injectable, Optional } from '@nestjs/common';
import { Actions, type Caller } from '@stagecraft/authz';
import { type AttestationKeyDto, type BuildAttestationDto, BuildError, BuildErrorReason } from '@stagecraft/contracts';

import type { BuildAttestor } from './attestation/build-attestor';
import { BUILD_ATTESTOR } from './build-runner';
import { BuildRecords } from './domain/build-records';
import { BuildAttestationStore } from './infra/build-attestation.store';

/** Reads of what a build was attested with (docs/attestations.md), scoped like every other build read. */
@Injectable()
export class BuildAttestationsService {
  constructor(
    private readonly builds: BuildRecords,
    private readonly attestations: BuildAttestationStore,
    @Optional() @Inject(BUILD_ATTESTOR) private readonly attestor: BuildAttestor | null = null,
  ) {}

  /** The build's attestation; null for a build that did not succeed, or succeeded unattested. */
  async ofBuild(caller: Caller, id: string): Promise<{ attestation: BuildAttestationDto | null }> {
    const build = await this.builds.findInAccount(caller.accountId, id);
    if (!build || !caller.can(Actions.assembling.get, build.enterpriseProjectId))
      throw new BuildError(BuildErrorReason.BUILD_NOT_FOUND, 'build not found');
    if (build.status !== 'SUCCEEDED') return { attestation: null };
    const row = await this.attestations.find(build.id);
    if (!row) return { attestation: null };
    return {
      attestation: {
        buildId: row.buildId,
        attachedAs: row.attachedAs,
        predicateTypes: row.predicateTypes,
        provenanceDigest: row.provenanceDigest,
        sbomDigest: row.sbomDigest,
        provenance: row.provenanceEnvelope,
        sbomEnvelope: row.sbomEnvelope,
        sbom: row.sbom,
        sbomComponents: row.sbomComponents,
        createdAt: row.createdAt.toISOString(),
      },
    };
  }

  publicKey(): AttestationKeyDto {
    return { publicKey: this.attestor?.publicKeyPem ?? null };
  }
}
