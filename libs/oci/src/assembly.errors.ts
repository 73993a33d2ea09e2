import type { BuildReason } from '@stagecraft/contracts';

export const ASSEMBLY_ERROR_CODES = [
  'PACKAGE_REJECTED',
  'BASE_IMAGE_INVALID',
  'REFERENCE_INVALID',
  // The package's dependencies (docs/package-jobs.md#dependencies).
  'DEPENDENCY_LOCKFILE_MISSING',
  'DEPENDENCY_MANIFEST_INVALID',
  'DEPENDENCY_SOURCE_REFUSED',
  'DEPENDENCY_REGISTRY_UNREACHABLE',
  'DEPENDENCY_INSTALL_FAILED',
] as const satisfies readonly BuildReason[];
export type AssemblyErrorCode = (typeof ASSEMBLY_ERROR_CODES)[number];

/**
 * The build's input cannot make an image: the package, the base image or a reference. The
 * message is for the user; a build failing with it is FAILED (the user's fault). Registry
 * faults are RegistryErrors instead.
 */
export class AssemblyError extends Error {
  override readonly name: string = 'AssemblyError';

  constructor(
    readonly code: AssemblyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An unsafe or corrupt package archive, or one over the unpack limits; the message names the entry and the rule. */
export class PackageRejectedError extends AssemblyError {
  override readonly name = 'PackageRejectedError';

  constructor(message: string) {
    super('PACKAGE_REJECTED', message);
  }
}
