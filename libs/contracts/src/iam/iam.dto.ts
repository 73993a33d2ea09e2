/** Response shapes of the iam service. Dates cross NATS as ISO strings. */

export interface UserDto {
  id: string;
  accountId: string;
  name: string;
  isAdmin: boolean;
  createdAt: string;
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
