export const JobsSubjects = {
  createJob: 'jobs.create.v1',
  updateJob: 'jobs.update.v1',
  deleteJob: 'jobs.delete.v1',
  getJob: 'jobs.get.v1',
  listJobs: 'jobs.list.v1',
  baseImages: 'jobs.base-images.list.v1',
  usage: 'jobs.usage.v1',
  health: 'jobs.health.v1',
} as const;
