export const BuildsSubjects = {
  startBuild: 'builds.start.v1',
  /** From jobs only (Build: a job just saved): the job as written comes with it, so builds does not ask jobs back. */
  startBuildForJob: 'builds.start-for-job.v1',
  cancelBuild: 'builds.cancel.v1',
  getBuild: 'builds.get.v1',
  listBuilds: 'builds.list.v1',
  lastBuilds: 'builds.last.v1',
  /** The dry run of a base image change: the jobs whose latest succeeded build used that base reference. */
  baseImageImpact: 'builds.base-image.impact.v1',
  buildLog: 'builds.log.get.v1',
  /** A build's signed SBOM and provenance (docs/attestations.md); null unless it SUCCEEDED attested. */
  getBuildAttestation: 'builds.attestation.get.v1',
  /** The public half of the key attestations are signed with, for verifiers; null when none is configured. */
  attestationKey: 'builds.attestation.key.get.v1',
  /** Asked by jobs before deleting a job: refuses while a build is unfinished, else removes its builds and logs. */
  deleteJobBuilds: 'builds.job.delete.v1',
  jobBuildRetention: 'builds.retention.job.get.v1',
  setJobBuildRetention: 'builds.retention.job.set.v1',
  projectBuildRetention: 'builds.retention.project.get.v1',
  setProjectBuildRetention: 'builds.retention.project.set.v1',
  health: 'builds.health.v1',
} as const;

/** JetStream: the stream every build event goes to, and its subjects. */
export const BUILD_EVENTS_STREAM = 'BUILD_EVENTS';

const BUILD_EVENTS_PREFIX = 'events.builds';

/** Every build event: the stream's subjects, and what a consumer of all of them filters on. */
export const ALL_BUILD_EVENTS = `${BUILD_EVENTS_PREFIX}.>`;

/** The subject of one build event (see buildEventSubject); EventMap gives its payload. */
export type BuildEventSubject = `${typeof BUILD_EVENTS_PREFIX}.${string}`;

/** `events.builds.<accountId>.<enterpriseProjectId>.<jobId>.<buildId>.<type>` */
export function buildEventSubject(event: {
  accountId: string;
  enterpriseProjectId: string;
  jobId: string;
  buildId: string;
  type: string;
}): BuildEventSubject {
  return `${BUILD_EVENTS_PREFIX}.${event.accountId}.${event.enterpriseProjectId}.${event.jobId}.${event.buildId}.${event.type}`;
}

/** The events of one account, narrowed to a project, a job or a build where named (`*` otherwise), of any type. */
export function buildEventFilter(filter: {
  accountId: string;
  enterpriseProjectId?: string | null;
  jobId?: string | null;
  buildId?: string | null;
}): string {
  return buildEventSubject({
    accountId: filter.accountId,
    enterpriseProjectId: filter.enterpriseProjectId ?? '*',
    jobId: filter.jobId ?? '*',
    buildId: filter.buildId ?? '*',
    type: '*',
  });
}
