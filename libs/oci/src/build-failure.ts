import type { BuildReasonOf } from '@stagecraft/contracts';

import { AssemblyError } from './assembly.errors';
import { PackageDownloadError } from './package-download';
import { RegistryError } from './registry.error';

/** How a build ended when it did not succeed. FAILED: the user's input caused it; ERROR: the platform's fault. */
export type BuildFailure =
  | { status: 'FAILED'; reason: BuildReasonOf<'FAILED'>; message: string }
  | { status: 'ERROR'; reason: BuildReasonOf<'ERROR'>; message: string };

/**
 * A failure whose outcome the code that saw it already knows (a builder that read its tool's
 * output): passed through as it is. Its message must be fit for the user: no credential, no path
 * of the build machine.
 */
export class BuildFailureError extends Error {
  override readonly name = 'BuildFailureError';

  constructor(readonly failure: BuildFailure) {
    super(failure.message);
  }
}

/**
 * The outcome of a build that threw `error`, the same wherever the build ran (LOCAL executor or
 * the build container). Messages come from errors that never hold a URL's query or a credential;
 * anything unexpected is masked.
 */
export function classifyBuildFailure(error: unknown): BuildFailure {
  if (error instanceof BuildFailureError) return { ...error.failure };
  if (error instanceof PackageDownloadError) return { status: 'ERROR', reason: error.reason, message: error.message };
  if (error instanceof AssemblyError) return { status: 'FAILED', reason: error.code, message: error.message };
  if (error instanceof RegistryError) {
    if (error.code === 'UNAUTHORIZED' || error.code === 'DENIED' || error.status === 401 || error.status === 403) {
      return { status: 'FAILED', reason: 'REGISTRY_DENIED', message: error.message };
    }
    if (error.code === 'MANIFEST_UNKNOWN' || error.code === 'NAME_UNKNOWN' || error.code === 'PLATFORM_UNAVAILABLE') {
      return { status: 'FAILED', reason: 'BASE_IMAGE_NOT_FOUND', message: error.message };
    }
    return { status: 'ERROR', reason: 'REGISTRY_ERROR', message: error.message };
  }
  return { status: 'ERROR', reason: 'EXECUTOR_ERROR', message: 'the build failed unexpectedly' };
}
