/**
 * The archive itself is at fault: unsafe, corrupt, unsupported or over a limit. `message` is the
 * reason shown to the user. Callers that report it in their own terms (a build's
 * PackageRejectedError) translate it at their boundary; this library knows nothing of them.
 */
export class ArchiveRejection extends Error {
  override readonly name = 'ArchiveRejection';
}
