import type { Caller } from '@stagecraft/authz';

/**
 * The enterprise project a new package goes into: the one named, or the account's default, where
 * the caller holds `action` (EnterpriseProjectScope, which asks iam).
 */
export abstract class ProjectScope {
  abstract forCreate(caller: Caller, requested: string | null | undefined, action: string): Promise<string>;
}
