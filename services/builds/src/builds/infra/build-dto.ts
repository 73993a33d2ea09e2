import type { BuildDto, BuildSpecSnapshotDto } from '@stagecraft/contracts';

import type { BuildEntity } from './build.entity';

/**
 * builds.get, builds.list and every build event carry no Dockerfile text: it may hold secrets, and
 * events reach every subscriber of the stream. The job answers it, masked; the run keeps it here.
 */
function withoutDockerfileText(spec: BuildSpecSnapshotDto): BuildSpecSnapshotDto {
  return spec.buildSpec.dockerfile === null ? spec : { ...spec, buildSpec: { ...spec.buildSpec, dockerfile: null } };
}

export function toBuildDto(build: BuildEntity): BuildDto {
  return {
    id: build.id,
    accountId: build.accountId,
    enterpriseProjectId: build.enterpriseProjectId,
    jobId: build.jobId,
    number: build.number,
    status: build.status,
    phase: build.phase,
    phases: build.phases,
    reason: build.reason,
    message: build.message,
    node: build.node,
    imageDigest: build.imageDigest,
    image: build.image,
    triggeredBy: build.triggeredBy,
    trigger: build.trigger,
    baseImage: build.baseImage,
    baseImageDigest: build.baseImageDigest,
    spec: withoutDockerfileText(build.spec),
    createdAt: build.createdAt.toISOString(),
    startedAt: build.startedAt?.toISOString() ?? null,
    finishedAt: build.finishedAt?.toISOString() ?? null,
  };
}
