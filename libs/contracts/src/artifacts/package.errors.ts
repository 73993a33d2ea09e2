import { domainErrorClass } from '../errors/domain-error';
import { assertUnreachable, ErrorCode } from '../errors/error-code';

/** Why the artifacts service refused (docs/errors.md#packages). */
export enum PackageErrorReason {
  INVALID_FIELD = 'INVALID_FIELD',
  TOO_LARGE = 'TOO_LARGE',
  OBJECT_NOT_FOUND = 'OBJECT_NOT_FOUND',
  CONTENT_REJECTED = 'CONTENT_REJECTED',
  PACKAGE_NOT_FOUND = 'PACKAGE_NOT_FOUND',
  ACTION_DENIED = 'ACTION_DENIED',
  ADMIN_ONLY = 'ADMIN_ONLY',
  GRANT_INVALID = 'GRANT_INVALID',
  NAME_VERSION_TAKEN = 'NAME_VERSION_TAKEN',
  NOT_PENDING_UPLOAD = 'NOT_PENDING_UPLOAD',
  NOTHING_UPLOADED = 'NOTHING_UPLOADED',
  PACKAGE_NOT_READY = 'PACKAGE_NOT_READY',
  PACKAGE_CHANGED = 'PACKAGE_CHANGED',
  PACKAGE_IN_USE = 'PACKAGE_IN_USE',
  BUSY = 'BUSY',
  /** The object storage refused the credentials it was given. */
  STORAGE_DENIED = 'STORAGE_DENIED',
  BUCKET_NOT_FOUND = 'BUCKET_NOT_FOUND',
  /** An OBS package, but no administrator has configured the account's OBS credentials. */
  OBS_NOT_CONFIGURED = 'OBS_NOT_CONFIGURED',
  STORAGE_UNREACHABLE = 'STORAGE_UNREACHABLE',
}

export function packageErrorCode(reason: PackageErrorReason): ErrorCode {
  switch (reason) {
    case PackageErrorReason.INVALID_FIELD:
    case PackageErrorReason.TOO_LARGE:
    case PackageErrorReason.OBJECT_NOT_FOUND:
    case PackageErrorReason.CONTENT_REJECTED:
    case PackageErrorReason.STORAGE_DENIED:
    case PackageErrorReason.BUCKET_NOT_FOUND:
    case PackageErrorReason.OBS_NOT_CONFIGURED:
      return ErrorCode.BAD_USER_INPUT;
    case PackageErrorReason.PACKAGE_NOT_FOUND:
      return ErrorCode.NOT_FOUND;
    case PackageErrorReason.ACTION_DENIED:
    case PackageErrorReason.ADMIN_ONLY:
    case PackageErrorReason.GRANT_INVALID:
      return ErrorCode.FORBIDDEN;
    case PackageErrorReason.NAME_VERSION_TAKEN:
    case PackageErrorReason.NOT_PENDING_UPLOAD:
    case PackageErrorReason.NOTHING_UPLOADED:
    case PackageErrorReason.PACKAGE_NOT_READY:
    case PackageErrorReason.PACKAGE_CHANGED:
    case PackageErrorReason.PACKAGE_IN_USE:
    case PackageErrorReason.BUSY:
      return ErrorCode.CONFLICT;
    case PackageErrorReason.STORAGE_UNREACHABLE:
      return ErrorCode.UNAVAILABLE;
    default:
      return assertUnreachable(reason);
  }
}

export const PackageError = domainErrorClass('Package', packageErrorCode);
