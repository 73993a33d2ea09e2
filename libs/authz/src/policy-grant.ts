import type { ActionDefinition } from './action-catalog';
import { actionsMatchedBy } from './action-pattern';

export type PolicyEffect = 'ALLOW' | 'DENY';

export interface PolicyStatement {
  effect: PolicyEffect;
  actions: readonly string[];
}

export interface PolicyDocument {
  id: string;
  name: string;
  statements: readonly PolicyStatement[];
}

/** A policy attached to a user, in some enterprise projects (null: in every project). */
export interface PolicyGrant {
  policy: PolicyDocument;
  enterpriseProjectIds: readonly string[] | null;
}

export interface GrantedAction {
  grant: PolicyGrant;
  effect: PolicyEffect;
  definition: ActionDefinition;
}

/**
 * Every (grant, effect, catalog action) that the grants name, in input order. The compiler and
 * explainPermission both read policies through this, so they cannot disagree on what a
 * statement means. Admin-only actions are included; callers decide what they are worth.
 */
export function* grantedActions(grants: readonly PolicyGrant[]): Generator<GrantedAction> {
  for (const grant of grants) {
    for (const statement of grant.policy.statements) {
      const effect = checkedEffect(statement.effect, grant.policy.id);
      for (const pattern of statement.actions) {
        for (const definition of actionsMatchedBy(pattern)) yield { grant, effect, definition };
      }
    }
  }
}

export function grantCovers(grant: PolicyGrant, enterpriseProjectId: string): boolean {
  return grant.enterpriseProjectIds === null || grant.enterpriseProjectIds.includes(enterpriseProjectId);
}

// Data read from storage or the wire is not guaranteed to honour the type; guessing would be
// either too lax (treat as Allow) or silently drop a Deny, so refuse to compile instead.
function checkedEffect(effect: string, policyId: string): PolicyEffect {
  if (effect === 'ALLOW' || effect === 'DENY') return effect;
  throw new Error(`policy ${policyId} has a statement with unknown effect "${effect}"`);
}
