import type { BuildReason } from '@stagecraft/contracts';

export type CliInputReason = Extract<BuildReason, 'USAGE' | 'BUILD_SPEC_INVALID' | 'REGISTRY_AUTH_INVALID'>;

/**
 * The build container's own input (its command, the build spec file, the registry auth file) is
 * unusable. The platform wrote that input, so a build ending with it is ERROR. The message names
 * the variable and the field at fault, never a value (the files hold a presigned URL and passwords).
 */
export class CliInputError extends Error {
  override readonly name = 'CliInputError';

  constructor(
    readonly reason: CliInputReason,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
