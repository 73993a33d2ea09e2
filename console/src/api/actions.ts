/** The IAM actions the console checks before offering a control (docs/permissions.md). */
export const Action = {
  packageCreate: 'servicestage:package:create',
  packageDelete: 'servicestage:package:delete',
  jobCreate: 'servicestage:assembling:create',
  jobModify: 'servicestage:assembling:modify',
  jobDelete: 'servicestage:assembling:delete',
  clusterCreate: 'servicestage:cluster:create',
  clusterModify: 'servicestage:cluster:modify',
  clusterDelete: 'servicestage:cluster:delete',
} as const;
