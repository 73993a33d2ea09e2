export const JobsSubjects = {
  createJob: 'jobs.create.v1',
  updateJob: 'jobs.update.v1',
  deleteJob: 'jobs.delete.v1',
  getJob: 'jobs.get.v1',
  /** The job with its Dockerfile as written (jobs.get masks the values the secret scan flags): for the build that runs it. */
  getJobForBuild: 'jobs.build-source.get.v1',
  /** A job as the base-image watcher sees it (no user: the account is named): its build type and autoRebase. */
  getJobForAutoRebase: 'jobs.jobs.auto-rebase.get.v1',
  listJobs: 'jobs.list.v1',
  baseImages: 'jobs.base-images.list.v1',
  usage: 'jobs.usage.v1',
  health: 'jobs.health.v1',
} as const;
