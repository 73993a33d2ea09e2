export const ArtifactsSubjects = {
  createPackageUpload: 'artifacts.packages.upload.create.v1',
  completePackageUpload: 'artifacts.packages.upload.complete.v1',
  uploadTarget: 'artifacts.packages.upload.target.v1',
  /** A presigned GET for a READY package: how builds fetch it. */
  downloadUrl: 'artifacts.packages.download-url.v1',
  /** A fresh URL for a build that starts running, in exchange for the grant downloadUrl gave (no user's token). */
  buildDownloadUrl: 'artifacts.packages.build-download-url.v1',
  /**
   * A grant for a build the platform starts without a user (a base image changed): only for a
   * READY package whose bytes are still the ones named (what the job's last build used).
   */
  rebuildGrant: 'artifacts.packages.rebuild-grant.v1',
  registerObsPackage: 'artifacts.packages.obs.register.v1',
  deletePackage: 'artifacts.packages.delete.v1',
  getPackage: 'artifacts.packages.get.v1',
  listPackages: 'artifacts.packages.list.v1',
  configureObsCredentials: 'artifacts.obs-credentials.set.v1',
  health: 'artifacts.health.v1',
} as const;
