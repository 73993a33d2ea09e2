/** The Postgres error codes the services act on (SQLSTATE, https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const PostgresErrorCodes = {
  uniqueViolation: '23505',
  duplicateSchema: '42P06',
} as const;

/** Postgres unique_violation: a unique index decided a race (a name taken, a row already there). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === PostgresErrorCodes.uniqueViolation;
}

/**
 * The write's result, or `taken` when a unique index refused it: how a repository says "that
 * name is taken" without its callers knowing Postgres codes.
 */
export async function unlessTaken<T, Taken extends string>(write: () => Promise<T>, taken: Taken): Promise<T | Taken> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) return taken;
    throw error;
  }
}
