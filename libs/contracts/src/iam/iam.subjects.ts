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
  listUsers: 'iam.users.list.v1',
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
  deleteUser: 'iam.users.delete.v1',
  disableAccessKey: 'iam.access-keys.disable.v1',
  enableAccessKey: 'iam.access-keys.enable.v1',
  deleteAccessKey: 'iam.access-keys.delete.v1',
  /** Every token (and refresh token) the user holds that was issued before now stops working. */
  revokeTokens: 'iam.tokens.revoke.v1',
  /** Access-key login answering a short access token and a refresh token. */
  createSession: 'iam.sessions.create.v1',
  refreshSession: 'iam.sessions.refresh.v1',
  listAuditRecords: 'iam.audit.list.v1',
  /** The embedded registry's token endpoint (the gateway's /registry/token carries the client's request). */
  registryToken: 'iam.registry.token.v1',
  /** A build's push credential for the embedded registry, claiming its repository for the build's project. */
  buildRegistryCredential: 'iam.registry.build-credential.v1',
  pruneRegistryCredential: 'iam.registry.prune-credential.v1',
  listImageRepositories: 'iam.registry.repositories.list.v1',
  setImageRepositoryClass: 'iam.registry.repositories.set-class.v1',
  createRobotAccount: 'iam.registry.robots.create.v1',
  listRobotAccounts: 'iam.registry.robots.list.v1',
  deleteRobotAccount: 'iam.registry.robots.delete.v1',
  /** Event (plain publish, every replica of every service listens): rules changed. */
  authzChanged: 'iam.events.authz-changed.v1',
  /** Event (plain publish by every service, read by iam in a queue group): who did what. */
  auditRecorded: 'iam.events.audit.v1',
} as const;
