import { requireAction } from './action-catalog';
import { grantCovers, type GrantedAction, grantedActions, type PolicyGrant } from './policy-grant';

export interface PermissionDecision {
  allowed: boolean;
  reason: string;
  matchedPolicy: { id: string; name: string } | null;
}

/**
 * Says whether the user may perform `action` in the enterprise project, and which policy
 * decides it. Follows the compiler's rules (administrator, then admin-only actions,
 * then explicit Deny, then Allow, else default deny), so it always agrees with
 * `allows(buildAbility(compilePolicies(...)))`.
 * Throws UnknownActionError for an action outside the catalog (a bad input, field `action`).
 */
export function explainPermission(
  grants: readonly PolicyGrant[],
  isAdmin: boolean,
  action: string,
  enterpriseProjectId: string,
): PermissionDecision {
  const definition = requireAction(action);
  if (isAdmin) return { allowed: true, reason: 'administrator', matchedPolicy: null };
  // No policy decides these for a non-administrator, so naming one (Allow or Deny) would mislead.
  if (definition.adminOnly) {
    return { allowed: false, reason: `${action} is reserved for administrators`, matchedPolicy: null };
  }

  let firstAllow: GrantedAction | undefined;
  // Read every statement first: a malformed one makes the compiler throw, and so must this.
  for (const granted of [...grantedActions(grants)]) {
    if (granted.definition.name !== definition.name || !grantCovers(granted.grant, enterpriseProjectId)) continue;
    if (granted.effect === 'DENY') {
      return {
        allowed: false,
        reason: `explicitly denied by policy "${granted.grant.policy.name}"`,
        matchedPolicy: policyRef(granted),
      };
    }
    firstAllow ??= granted;
  }
  if (firstAllow) {
    return { allowed: true, reason: `allowed by policy "${firstAllow.grant.policy.name}"`, matchedPolicy: policyRef(firstAllow) };
  }
  return { allowed: false, reason: `no policy allows ${action} in this enterprise project`, matchedPolicy: null };
}

function policyRef({ grant }: GrantedAction): { id: string; name: string } {
  return { id: grant.policy.id, name: grant.policy.name };
}
