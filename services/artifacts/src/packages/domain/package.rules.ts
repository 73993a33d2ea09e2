import { PackageError, PackageErrorReason, type ServiceError } from '@stagecraft/contracts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
// S3 bucket naming: 3–63 lower-case letters, digits, dots and hyphens, alphanumeric at both ends.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function packageNameProblem(name: string): string | null {
  if (name.length < 1 || name.length > 64) return 'name must be 1 to 64 characters';
  if (!NAME.test(name)) return 'name must start with a letter or digit and use only letters, digits, ., _ and -';
  return null;
}

export function packageVersionProblem(version: string): string | null {
  if (version.length < 1 || version.length > 64) return 'version must be 1 to 64 characters';
  if (!VERSION.test(version)) return 'version must start with a letter or digit and use only letters, digits, ., _, + and -';
  return null;
}

export function bucketProblem(bucket: string): string | null {
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    return 'bucket must be 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit';
  }
  return null;
}

export function objectKeyProblem(key: string): string | null {
  if (key.length < 1 || Buffer.byteLength(key) > 1024) return 'objectKey must be 1 to 1024 bytes';
  if (key.startsWith('/')) return 'objectKey must not start with /';
  if (/[\u0000-\u001f]/.test(key)) return 'objectKey must not contain control characters';
  return null;
}

/** An upload must be exactly as long as the sizeBytes declared when it was created, if any. */
export function declaredSizeProblem(sizeBytes: number, declared: number | null): string | null {
  if (declared === null || sizeBytes === declared) return null;
  return `the upload is ${sizeBytes} bytes, not the declared sizeBytes of ${declared}`;
}

/** A declared SHA-256: 64 hexadecimal digits, which the store is asked to verify the upload against. */
export function declaredSha256Problem(sha256: string): string | null {
  if (/^[0-9a-fA-F]{64}$/.test(sha256)) return null;
  return 'sha256 must be the SHA-256 of the bytes to upload, as 64 hexadecimal digits';
}

/** Throws INVALID_FIELD naming `field` when `problem` found one. */
export function check(field: string, problem: string | null): void {
  if (problem) throw invalidField(field, problem);
}

/** BAD_USER_INPUT naming the field whose value breaks a rule (any of the artifacts service's fields). */
export function invalidField(field: string, message: string): ServiceError {
  return new PackageError(PackageErrorReason.INVALID_FIELD, message, field);
}
