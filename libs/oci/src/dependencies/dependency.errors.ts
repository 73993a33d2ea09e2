import { AssemblyError, type AssemblyErrorCode } from '../assembly.errors';

type DependencyErrorCode = Extract<AssemblyErrorCode, `DEPENDENCY_${string}`>;

/**
 * The package's dependencies cannot be installed: no lockfile, a source the build refuses, an
 * unreachable package registry, a failing install. FAILED: the message tells the user what to
 * change (docs/package-jobs.md#dependencies).
 */
export class DependencyError extends AssemblyError {
  override readonly name = 'DependencyError';

  constructor(code: DependencyErrorCode, message: string) {
    super(code, message);
  }
}

/** A line or value quoted for a message: one line, at most `max` characters. */
export function quoteForMessage(value: string, max = 120): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
