/**
 * Why an image cannot be rebased. NOT_REBASABLE: the image does not name its base (a custom
 * Dockerfile's image, say) or its first layers are not that base's, or the new base is of another
 * manifest family; the caller rebuilds instead. BASE_INVALID: a base image cannot be read or extended.
 */
export class RebaseError extends Error {
  override readonly name = 'RebaseError';
  constructor(
    readonly code: 'NOT_REBASABLE' | 'BASE_INVALID',
    message: string,
  ) {
    super(message);
  }
}
