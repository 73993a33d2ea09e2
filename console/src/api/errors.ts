import type { CombinedError } from '@urql/core';

export interface ApiProblem {
  message: string;
  /** The input field the server named (extensions.field), e.g. `name` or `nodeLabels[1].key`. */
  field?: string;
  code?: string;
  reason?: string;
}

/** The first problem an operation reported, in the words a person can act on. */
export function problemOf(error: CombinedError | undefined): ApiProblem | null {
  if (!error) return null;
  const first = error.graphQLErrors[0];
  if (!first) return { message: error.networkError ? 'The platform could not be reached. Try again.' : error.message };
  const extensions = first.extensions ?? {};
  const reason = typeof extensions['reason'] === 'string' ? extensions['reason'] : undefined;
  return {
    message: reason === 'VERSION_CONFLICT' ? 'This was changed meanwhile — reload to see the current version.' : first.message,
    field: typeof extensions['field'] === 'string' ? extensions['field'] : undefined,
    code: typeof extensions['code'] === 'string' ? extensions['code'] : undefined,
    reason,
  };
}

/**
 * No answer, or one the platform gives for what does not exist or lies in a project the caller
 * holds no rights in (it does not tell the two apart).
 */
export function isMissing(error: CombinedError | undefined): boolean {
  const code = problemOf(error)?.code;
  return !error || code === 'NOT_FOUND' || code === 'FORBIDDEN';
}
