const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * The console's naming rule (package jobs, clusters, users, projects, policies): 1–64
 * characters, a letter or digit first, then letters, digits, `_` and `-`. Null when valid.
 */
export function resourceNameProblem(value: string): string | null {
  if (value.length < 1 || value.length > 64) return 'must be 1 to 64 characters';
  if (!NAME.test(value)) return 'must start with a letter or digit and use only letters, digits, _ and -';
  return null;
}
