export const BuildsSubjects = {
  startBuild: 'builds.start.v1',
  cancelBuild: 'builds.cancel.v1',
  getBuild: 'builds.get.v1',
  listBuilds: 'builds.list.v1',
  lastBuilds: 'builds.last.v1',
  buildLog: 'builds.log.get.v1',
  /** Asked by jobs before deleting a job: refuses while a build is unfinished, else removes its builds and logs. */
  deleteJobBuilds: 'builds.job.delete.v1',
  health: 'builds.health.v1',
} as const;

/** JetStream: the stream every build event goes to, and its subjects. */
export const BUILD_EVENTS_STREAM = 'BUILD_EVENTS';

/** `events.builds.<accountId>.<enterpriseProjectId>.<jobId>.<buildId>.<type>` */
export function buildEventSubject(event: {
  accountId: string;
  enterpriseProjectId: string;
  jobId: string;
  buildId: string;
  type: string;
}): string {
  return `events.builds.${event.accountId}.${event.enterpriseProjectId}.${event.jobId}.${event.buildId}.${event.type}`;
}
