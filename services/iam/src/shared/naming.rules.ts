import { IamError, IamErrorReason, resourceNameProblem } from '@stagecraft/contracts';

/** Names of users, projects and policies follow the console's resource naming rule. */
export function assertName(field: string, value: string): string {
  const problem = resourceNameProblem(value);
  if (problem) throw new IamError(IamErrorReason.INVALID_FIELD, `${field} ${problem}`, field);
  return value;
}

/** Descriptions: optional, at most 255 characters; blank means none. */
export function normalizeDescription(field: string, value: string | null | undefined): string | null {
  if (value === undefined || value === null || value.trim() === '') return null;
  if (value.length > 255) throw new IamError(IamErrorReason.INVALID_FIELD, `${field} must be at most 255 characters`, field);
  return value;
}
