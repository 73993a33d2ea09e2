import { createMongoAbility, type ForcedSubject, type MongoAbility, type RawRuleOf, subject } from '@casl/ability';

import { ACTION_CATALOG, type AuthzResource, type AuthzVerb, requireAction, SCOPE_FIELD } from './action-catalog';
import { grantedActions, type PolicyGrant } from './policy-grant';

/** A resource instance as CASL sees it: tagged with its subject type, scoped by project. */
export type ScopedSubject = ForcedSubject<AuthzResource> & { readonly [SCOPE_FIELD]: string };

export type AppAbility = MongoAbility<[AuthzVerb | 'manage', AuthzResource | 'all' | ScopedSubject]>;

/** CASL raw rules: plain JSON, sent over NATS and rebuilt with buildAbility. */
export type AuthzRawRule = RawRuleOf<AppAbility>;

const VERB_ORDER: readonly AuthzVerb[] = ['get', 'list', 'create', 'modify', 'delete', 'explain', 'pull'];
const RESOURCE_ORDER: readonly AuthzResource[] = [...new Set(ACTION_CATALOG.map((d) => d.resource))];

/** Where an Allow or a Deny applies: every project, or these ones. */
interface Scope {
  all: boolean;
  ids: Set<string>;
}

/** Per "resource verb" pair, the union of the scopes granting (or denying) it. */
type ScopeByPair = Map<string, { resource: AuthzResource; verb: AuthzVerb; scope: Scope }>;

/**
 * Compiles a user's policy grants to CASL raw rules. Administrators get `manage all`.
 * Otherwise every Allow becomes a `can` and every Deny an inverted rule; the inverted rules
 * come after all `can` rules because in CASL the later rule wins, which makes an explicit
 * Deny beat any Allow whatever the order of statements or grants. Admin-only actions grant
 * (and deny) nothing here: only the admin flag gives them.
 *
 * Rules are merged per scope, so the output size depends on the number of distinct project
 * sets, not on the number of statements; the output is sorted, so it does not depend on the
 * input order either.
 */
export function compilePolicies(grants: readonly PolicyGrant[], isAdmin: boolean): AuthzRawRule[] {
  if (isAdmin) return [{ action: 'manage', subject: 'all' }];
  const allowed: ScopeByPair = new Map();
  const denied: ScopeByPair = new Map();
  for (const { grant, effect, definition } of grantedActions(grants)) {
    if (definition.adminOnly) continue;
    // An attachment to no project at all covers nothing.
    if (grant.enterpriseProjectIds !== null && grant.enterpriseProjectIds.length === 0) continue;
    const target = effect === 'ALLOW' ? allowed : denied;
    const key = `${definition.resource} ${definition.verb}`;
    let entry = target.get(key);
    if (!entry) {
      entry = { resource: definition.resource, verb: definition.verb, scope: { all: false, ids: new Set() } };
      target.set(key, entry);
    }
    if (grant.enterpriseProjectIds === null) entry.scope.all = true;
    else for (const id of grant.enterpriseProjectIds) entry.scope.ids.add(id);
  }
  return [...mergedRules(allowed, false), ...mergedRules(denied, true)];
}

/** One rule per (scope, verb set), with every resource sharing that verb set as subjects. */
function mergedRules(pairs: ScopeByPair, inverted: boolean): AuthzRawRule[] {
  const byScope = new Map<string, { ids: string[] | null; verbsByResource: Map<AuthzResource, AuthzVerb[]> }>();
  for (const { resource, verb, scope } of pairs.values()) {
    const ids = scope.all ? null : [...scope.ids].sort();
    const scopeKey = ids === null ? '*' : JSON.stringify(ids);
    let group = byScope.get(scopeKey);
    if (!group) {
      group = { ids, verbsByResource: new Map() };
      byScope.set(scopeKey, group);
    }
    const verbs = group.verbsByResource.get(resource) ?? [];
    verbs.push(verb);
    group.verbsByResource.set(resource, verbs);
  }

  const rules: AuthzRawRule[] = [];
  for (const scopeKey of [...byScope.keys()].sort()) {
    const { ids, verbsByResource } = byScope.get(scopeKey)!;
    const resourcesByVerbs = new Map<string, { verbs: AuthzVerb[]; resources: AuthzResource[] }>();
    for (const resource of RESOURCE_ORDER) {
      const verbs = verbsByResource.get(resource);
      if (!verbs) continue;
      verbs.sort((a, b) => VERB_ORDER.indexOf(a) - VERB_ORDER.indexOf(b));
      const verbsKey = verbs.join(',');
      const entry = resourcesByVerbs.get(verbsKey) ?? { verbs, resources: [] };
      entry.resources.push(resource);
      resourcesByVerbs.set(verbsKey, entry);
    }
    for (const { verbs, resources } of resourcesByVerbs.values()) {
      const rule: AuthzRawRule = { action: unwrap(verbs), subject: unwrap(resources) };
      if (ids !== null) rule.conditions = { [SCOPE_FIELD]: { $in: ids } };
      if (inverted) rule.inverted = true;
      rules.push(rule);
    }
  }
  return rules;
}

function unwrap<T>(values: T[]): T | T[] {
  return values.length === 1 ? values[0] : values;
}

/** Builds the ability from compiled (or received) raw rules. */
export function buildAbility(rules: AuthzRawRule[]): AppAbility {
  return createMongoAbility<AppAbility>(rules);
}

/**
 * Whether the ability allows an IAM action on a resource of that enterprise project.
 * Throws UnknownActionError for a name outside the catalog: that is a programming error,
 * and throwing denies as well.
 */
export function allows(ability: AppAbility, action: string, enterpriseProjectId: string): boolean {
  const { verb, resource } = requireAction(action);
  return ability.can(verb, subject(resource, { [SCOPE_FIELD]: enterpriseProjectId }));
}

/**
 * Whether the ability allows an IAM action in at least one enterprise project. CASL's check on
 * the subject type alone is true when some rule may allow it (rules scoped to projects count,
 * Denies scoped to projects do not subtract): a coarse first filter, never the final answer.
 */
export function allowsSomewhere(ability: AppAbility, action: string): boolean {
  const { verb, resource } = requireAction(action);
  return ability.can(verb, resource);
}
