import { ServiceError } from '@stagecraft/contracts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Names of users, projects and policies: 1–64 characters, a letter or digit first, then letters, digits, _ and -. */
export function nameProblem(value: string): string | null {
  if (value.length < 1 || value.length > 64) return 'must be 1 to 64 characters';
  if (!NAME.test(value)) return 'must start with a letter or digit and use only letters, digits, _ and -';
  return null;
}

export function assertName(field: string, value: string): string {
  const problem = nameProblem(value);
  if (problem) throw ServiceError.badInput(field, `${field} ${problem}`);
  return value;
}

/** Descriptions: optional, at most 255 characters; blank means none. */
export function normalizeDescription(field: string, value: string | null | undefined): string | null {
  if (value === undefined || value === null || value.trim() === '') return null;
  if (value.length > 255) throw ServiceError.badInput(field, `${field} must be at most 255 characters`);
  return value;
}

/** Postgres unique_violation: the unique index decided a race. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === '23505';
}
