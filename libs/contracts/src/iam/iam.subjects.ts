export const IamSubjects = {
  createAccessToken: 'iam.tokens.create.v1',
  getSigningKeys: 'iam.keys.get.v1',
  getCallerRules: 'iam.rules.get.v1',
  me: 'iam.me.get.v1',
  listEnterpriseProjects: 'iam.projects.list.v1',
  getEnterpriseProjects: 'iam.projects.get.v1',
  createEnterpriseProject: 'iam.projects.create.v1',
  /** The caller's account's `default` project: where resources go when no project is named. */
  getDefaultProject: 'iam.projects.default.get.v1',
  createUser: 'iam.users.create.v1',
  getUsers: 'iam.users.get.v1',
  createAccessKey: 'iam.access-keys.create.v1',
  listPolicies: 'iam.policies.list.v1',
  createPolicy: 'iam.policies.create.v1',
  updatePolicy: 'iam.policies.update.v1',
  deletePolicy: 'iam.policies.delete.v1',
  listAttachments: 'iam.attachments.list.v1',
  attachPolicy: 'iam.attachments.create.v1',
  detachPolicy: 'iam.attachments.delete.v1',
  explainPermission: 'iam.permissions.explain.v1',
  health: 'iam.health.v1',
  /** Event (plain publish, every replica of every service listens): rules changed. */
  authzChanged: 'iam.events.authz-changed.v1',
} as const;

/** The subjects that take no caller token. */
export const PUBLIC_IAM_SUBJECTS: readonly string[] = [
  IamSubjects.createAccessToken,
  IamSubjects.getSigningKeys,
  IamSubjects.health,
];
