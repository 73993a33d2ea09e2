/** Response shapes of the iam service. Dates cross NATS as ISO strings. */

export interface UserDto {
  id: string;
  accountId: string;
  name: string;
  isAdmin: boolean;
  createdAt: string;
}

/** An access key as administrators see it: never its secret. */
export interface AccessKeySummaryDto {
  accessKey: string;
  createdAt: string;
  lastUsedAt: string | null;
  enabled: boolean;
}

/** A user of the account with its access keys, for administrators. */
export interface UserWithKeysDto extends UserDto {
  accessKeys: AccessKeySummaryDto[];
}

export interface EnterpriseProjectDto {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
}

export type EffectDto = 'ALLOW' | 'DENY';

export interface PolicyStatementDto {
  effect: EffectDto;
  actions: string[];
}

export interface PolicyDto {
  id: string;
  name: string;
  description: string | null;
  statements: PolicyStatementDto[];
  createdAt: string;
}

export interface PolicyAttachmentDto {
  id: string;
  policy: PolicyDto;
  user: UserDto;
  /** null: the policy applies in every enterprise project. */
  enterpriseProjects: EnterpriseProjectDto[] | null;
}

export interface AccessTokenDto {
  token: string;
  expiresAt: string;
}

export interface AccessKeyDto {
  accessKey: string;
  secretKey: string;
}

export interface PermissionDecisionDto {
  allowed: boolean;
  reason: string;
  matchedPolicy: PolicyDto | null;
}

/** The caller's compiled authorization: CASL raw rules, built into an ability by each service. */
export interface CallerRulesDto {
  userId: string;
  accountId: string;
  isAdmin: boolean;
  rules: unknown[];
  /** A token whose `ver` claim is lower was revoked (revokeTokens, deleteUser). */
  tokenVersion: number;
  /** The user's enabled access keys: a token whose `akid` is not among them is refused. */
  accessKeyIds: string[];
}

/** A login: a short-lived access token and an opaque refresh token, rotated on every use. */
export interface SessionDto {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires. */
  expiresAt: string;
  refreshExpiresAt: string;
}

/** Who did what to which resource, when: what an audit event reports and its record keeps. */
export interface AuditedAction {
  actorId: string;
  action: string;
  resourceType: string;
  resourceId: string;
  enterpriseProjectId: string | null;
  /** The process that performed it. */
  service: string;
  occurredAt: string;
}

/** One audit record. */
export interface AuditRecordDto extends AuditedAction {
  id: string;
}

/** Published by a service after a change it made for a caller; iam stores it. */
export interface AuditEvent extends AuditedAction {
  accountId: string;
}

export interface JsonWebKeySetDto {
  keys: { kty: string; kid?: string; [parameter: string]: unknown }[];
}

/** Published when a policy, an attachment or a user's admin flag changes. */
export interface AuthzChangedEvent {
  accountId: string;
  /** The users whose rules changed; null means every user of the account. */
  userIds: string[] | null;
}
