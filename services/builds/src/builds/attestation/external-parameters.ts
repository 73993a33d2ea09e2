import type { BuildEntity } from '../infra/build.entity';

/**
 * The provenance's `externalParameters`: what the job asked for, as the build copied it. The
 * package is named by id (its bytes by sha256 in resolvedDependencies); a custom Dockerfile goes
 * in with every value the secret scan flags masked, as in the build log.
 */
export function externalParametersOf(build: BuildEntity, mask: (text: string) => string): Record<string, unknown> {
  const spec = build.spec;
  return {
    jobId: build.jobId,
    jobName: spec.jobName,
    packageId: spec.packageId,
    techStack: spec.techStack,
    buildSpec: {
      type: spec.buildSpec.type,
      baseImage: spec.buildSpec.baseImage,
      baseImageTag: spec.buildSpec.baseImageTag,
      dockerfile: spec.buildSpec.dockerfile === null ? null : mask(spec.buildSpec.dockerfile),
    },
    imageClass: spec.imageClass,
    archiveImage: spec.archiveImage,
    clusterId: spec.clusterId,
    nodeLabels: spec.nodeLabels,
  };
}
