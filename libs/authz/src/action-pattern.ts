import { ACTION_CATALOG, type ActionDefinition } from './action-catalog';

/**
 * Action patterns as written in policy statements: `*` alone, or `service:resource:verb` where
 * each segment is `*`, a literal, or a literal prefix ending in one `*`. Matching is
 * case-sensitive, like the catalog names themselves.
 */

export type ActionPatternProblem =
  | 'EMPTY'
  | 'INVALID_CHARACTER'
  | 'DOUBLE_WILDCARD'
  | 'SEGMENT_COUNT'
  | 'EMPTY_SEGMENT'
  | 'INNER_WILDCARD'
  | 'UNKNOWN_ACTION';

const PROBLEM_TEXT: Record<ActionPatternProblem, string> = {
  EMPTY: 'an action pattern may not be empty',
  INVALID_CHARACTER: 'only letters, digits, ":" and "*" are allowed',
  DOUBLE_WILDCARD: '"**" is not allowed; one "*" already matches any suffix',
  SEGMENT_COUNT: 'use "*" alone or exactly three segments "service:resource:verb"',
  EMPTY_SEGMENT: 'a segment may not be empty',
  INNER_WILDCARD: '"*" may only end a segment (e.g. "mod*"), not start or split it',
  UNKNOWN_ACTION: 'it matches no known action',
};

export class ActionPatternError extends Error {
  constructor(
    readonly pattern: string,
    readonly problem: ActionPatternProblem,
  ) {
    super(`action pattern "${pattern}" is invalid: ${PROBLEM_TEXT[problem]}`);
    this.name = 'ActionPatternError';
  }
}

/** One segment: `prefix` must start the name's segment; `exact` requires equality instead. */
interface SegmentMatcher {
  prefix: string;
  exact: boolean;
}

export type ParsedActionPattern =
  | { kind: 'any' }
  | { kind: 'segments'; segments: [SegmentMatcher, SegmentMatcher, SegmentMatcher] };

/** Checks the syntax only; throws ActionPatternError. Does not look at the catalog. */
export function parseActionPattern(pattern: string): ParsedActionPattern {
  if (pattern.length === 0) throw new ActionPatternError(pattern, 'EMPTY');
  if (!/^[A-Za-z0-9:*]+$/.test(pattern)) throw new ActionPatternError(pattern, 'INVALID_CHARACTER');
  if (pattern.includes('**')) throw new ActionPatternError(pattern, 'DOUBLE_WILDCARD');
  if (pattern === '*') return { kind: 'any' };
  const parts = pattern.split(':');
  if (parts.length !== 3) throw new ActionPatternError(pattern, 'SEGMENT_COUNT');
  const segments = parts.map((part): SegmentMatcher => {
    if (part.length === 0) throw new ActionPatternError(pattern, 'EMPTY_SEGMENT');
    const star = part.indexOf('*');
    if (star === -1) return { prefix: part, exact: true };
    if (star !== part.length - 1) throw new ActionPatternError(pattern, 'INNER_WILDCARD');
    return { prefix: part.slice(0, -1), exact: false };
  });
  return { kind: 'segments', segments: segments as [SegmentMatcher, SegmentMatcher, SegmentMatcher] };
}

export function patternMatchesAction(parsed: ParsedActionPattern, actionName: string): boolean {
  if (parsed.kind === 'any') return true;
  const parts = actionName.split(':');
  return parsed.segments.every((segment, i) =>
    segment.exact ? parts[i] === segment.prefix : parts[i].startsWith(segment.prefix),
  );
}

/**
 * The catalog actions a stored pattern matches, possibly none. Used when compiling, so a policy
 * naming an action that was later removed from the catalog still compiles (to nothing).
 * Throws ActionPatternError on bad syntax, which validation on write never lets through.
 */
export function actionsMatchedBy(pattern: string): readonly ActionDefinition[] {
  let matched = matchedCache.get(pattern);
  if (!matched) {
    const parsed = parseActionPattern(pattern);
    matched = Object.freeze(ACTION_CATALOG.filter((definition) => patternMatchesAction(parsed, definition.name)));
    // Policies repeat a handful of patterns; the cap only bounds memory against odd input.
    if (matchedCache.size >= MATCHED_CACHE_LIMIT) matchedCache.clear();
    matchedCache.set(pattern, matched);
  }
  return matched;
}

const MATCHED_CACHE_LIMIT = 10_000;
const matchedCache = new Map<string, readonly ActionDefinition[]>();

/** Validation on write: like actionsMatchedBy, but a pattern that matches nothing is an error. */
export function expandActionPattern(pattern: string): readonly ActionDefinition[] {
  const matched = actionsMatchedBy(pattern);
  if (matched.length === 0) throw new ActionPatternError(pattern, 'UNKNOWN_ACTION');
  return matched;
}

export interface StatementShape {
  effect: string;
  actions: readonly string[];
}

export interface StatementProblem {
  /** Index of the statement. */
  index: number;
  /** Index of the offending action, or null when the problem is the statement itself. */
  actionIndex: number | null;
  /** Where the problem is, for an input error: `statements[1].actions[0]`. */
  field: string;
  message: string;
}

/** The first problem in a policy's statements, or null when they are all valid. */
export function validateStatements(statements: readonly StatementShape[]): StatementProblem | null {
  for (const [index, statement] of statements.entries()) {
    if (statement.effect !== 'ALLOW' && statement.effect !== 'DENY') {
      return { index, actionIndex: null, field: `statements[${index}].effect`, message: 'effect must be ALLOW or DENY' };
    }
    if (statement.actions.length === 0) {
      return {
        index,
        actionIndex: null,
        field: `statements[${index}].actions`,
        message: 'a statement needs at least one action',
      };
    }
    for (const [actionIndex, pattern] of statement.actions.entries()) {
      try {
        expandActionPattern(pattern);
      } catch (error) {
        if (!(error instanceof ActionPatternError)) throw error;
        return { index, actionIndex, field: `statements[${index}].actions[${actionIndex}]`, message: error.message };
      }
    }
  }
  return null;
}
