import { ACTION_CATALOG, type PolicyDocument, type PolicyGrant, type PolicyStatement } from '@stagecraft/authz';

/** mulberry32: a small, fast, seeded PRNG, so every run benchmarks the same policy sets. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;

const pick = <T>(random: Random, values: readonly T[]): T => values[Math.floor(random() * values.length)];

/** Picks by weight from `[value, weight]` pairs. */
function weighted<T>(random: Random, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [value, weight] of choices) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return choices[choices.length - 1][0];
}

/** `count` distinct values of `values`, in random order. */
function sample<T>(random: Random, values: readonly T[], count: number): T[] {
  const pool = [...values];
  for (let i = pool.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count);
}

/** A UUID-shaped id, like the enterprise project ids iam stores. */
function uuidLike(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

const PRODUCT_ACTIONS = ACTION_CATALOG.filter((d) => !d.adminOnly).map((d) => d.name);
const ADMIN_ACTIONS = ACTION_CATALOG.filter((d) => d.adminOnly).map((d) => d.name);

/** Stands for "an exact action name, picked at random" in the pattern tables below. */
const EXACT_PRODUCT = Symbol('exact product action');
const EXACT_ADMIN = Symbol('exact admin-only action');
type PatternChoice = string | typeof EXACT_PRODUCT | typeof EXACT_ADMIN;

// What people write in Allow statements: mostly exact actions, then the wildcard forms.
// Admin-only actions compile to nothing for a non-admin but still cost compile time.
const ALLOW_PATTERNS: readonly (readonly [PatternChoice, number])[] = [
  [EXACT_PRODUCT, 50],
  [EXACT_ADMIN, 8],
  ['servicestage:assembling:*', 5],
  ['servicestage:package:*', 4],
  ['servicestage:cluster:*', 3],
  ['servicestage:*:get', 8],
  ['servicestage:*:list', 8],
  ['servicestage:assembling:mod*', 2],
  ['servicestage:*:c*', 2],
  ['servicestage:cl*:*', 2],
  ['servicestage:*:*', 2],
  ['*', 1],
  ['iam:*:*', 2],
];

// Deny statements are narrower: destructive verbs on product resources, attached only in the
// "protected" (production-like) projects, so large sets still mix allowed and refused checks.
const DENY_PATTERNS: readonly (readonly [PatternChoice, number])[] = [
  ['servicestage:assembling:delete', 20],
  ['servicestage:package:delete', 15],
  ['servicestage:cluster:delete', 10],
  ['servicestage:assembling:modify', 15],
  ['servicestage:cluster:modify', 10],
  ['servicestage:*:delete', 15],
  ['servicestage:cluster:mod*', 5],
  ['iam:*:*', 10],
];

const PROTECTED_PROJECTS = 5;

export interface PolicySetOptions {
  statements: number;
  projects: number;
  seed: number;
}

export interface PolicySet {
  grants: PolicyGrant[];
  projectIds: string[];
  policyCount: number;
  statementCount: number;
  denyStatements: number;
  wildcardPatterns: number;
  unscopedAttachments: number;
}

/**
 * A realistic policy set of exactly `statements` statements: policies of 1–5 statements, about
 * one statement in five a Deny, a mix of exact and wildcard actions. A policy is attached in
 * 1–4 of the projects (one in ten in every project); one holding a Deny only in 1–2 of the
 * first five ("protected") projects. One policy in ten is attached a second time.
 */
export function generatePolicySet({ statements, projects, seed }: PolicySetOptions): PolicySet {
  const random = seededRandom(seed);
  const projectIds = Array.from({ length: projects }, () => uuidLike(random));
  const grants: PolicyGrant[] = [];
  let remaining = statements;
  let policyCount = 0;
  let denyStatements = 0;
  let wildcardPatterns = 0;
  let unscopedAttachments = 0;

  const scope = (hasDeny: boolean): string[] | null => {
    if (hasDeny) return sample(random, projectIds.slice(0, PROTECTED_PROJECTS), 1 + Math.floor(random() * 2));
    if (random() < 0.1) {
      unscopedAttachments += 1;
      return null;
    }
    return sample(random, projectIds, 1 + Math.floor(random() * 4));
  };

  while (remaining > 0) {
    const size = Math.min(remaining, 1 + Math.floor(random() * 5));
    remaining -= size;
    const policyStatements: PolicyStatement[] = Array.from({ length: size }, () => {
      const deny = random() < 0.2;
      if (deny) denyStatements += 1;
      const actionCount = 1 + Math.floor(random() * 3);
      const actions = Array.from({ length: actionCount }, () => {
        const choice = weighted(random, deny ? DENY_PATTERNS : ALLOW_PATTERNS);
        if (choice === EXACT_PRODUCT) return pick(random, PRODUCT_ACTIONS);
        if (choice === EXACT_ADMIN) return pick(random, ADMIN_ACTIONS);
        wildcardPatterns += 1;
        return choice;
      });
      return { effect: deny ? 'DENY' : 'ALLOW', actions: [...new Set(actions)] };
    });
    const hasDeny = policyStatements.some((statement) => statement.effect === 'DENY');
    policyCount += 1;
    const policy: PolicyDocument = { id: `policy-${policyCount}`, name: `Policy ${policyCount}`, statements: policyStatements };
    grants.push({ policy, enterpriseProjectIds: scope(hasDeny) });
    // Now and then the same policy is attached again, for other projects.
    if (random() < 0.1) grants.push({ policy, enterpriseProjectIds: scope(hasDeny) });
  }
  return { grants, projectIds, policyCount, statementCount: statements, denyStatements, wildcardPatterns, unscopedAttachments };
}

export interface Check {
  action: string;
  projectId: string;
}

/**
 * The checks to time, cycled through: mostly product actions in known projects, some
 * admin-only actions (always refused for a non-admin) and some projects the user has no
 * attachment in.
 */
export function generateChecks(set: PolicySet, count: number, seed: number): Check[] {
  const random = seededRandom(seed);
  const unknownProjects = Array.from({ length: 3 }, () => uuidLike(random));
  return Array.from({ length: count }, () => ({
    action: random() < 0.9 ? pick(random, PRODUCT_ACTIONS) : pick(random, ADMIN_ACTIONS),
    projectId: random() < 0.95 ? pick(random, set.projectIds) : pick(random, unknownProjects),
  }));
}
