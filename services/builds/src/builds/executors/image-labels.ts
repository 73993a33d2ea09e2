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
