import type { BuildEntity } from '../infra/build.entity';

/** The OCI labels naming the job and the build on every image Stagecraft builds, on any executor. */
export function imageLabels(build: BuildEntity): Record<string, string> {
  return {
    'io.stagecraft.job-id': build.jobId,
    'io.stagecraft.job-name': build.spec.jobName,
    'io.stagecraft.build-id': build.id,
    'io.stagecraft.build-number': String(build.number),
  };
}

/** The image a build starts from: the catalog's repository and tag, the chosen image, or none (a Dockerfile says it). */
export function baseImageOf(build: BuildEntity): string | null {
  const spec = build.spec.buildSpec;
  if (spec.type === 'SYSTEM_DEFAULT') return `${spec.baseImage}:${spec.baseImageTag}`;
  return spec.type === 'IMAGE' ? spec.baseImage : null;
}
