import { domainErrorClass } from '../errors/domain-error';
import { assertUnreachable, ErrorCode } from '../errors/error-code';

/** Why the jobs service refused (docs/errors.md#package-jobs). */
export enum PackageJobErrorReason {
  INVALID_FIELD = 'INVALID_FIELD',
  UNKNOWN_PACKAGE = 'UNKNOWN_PACKAGE',
  UNKNOWN_CLUSTER = 'UNKNOWN_CLUSTER',
  OUTSIDE_PROJECT = 'OUTSIDE_PROJECT',
  PACKAGE_NOT_READY = 'PACKAGE_NOT_READY',
  NO_ELIGIBLE_NODE = 'NO_ELIGIBLE_NODE',
  JOB_NOT_FOUND = 'JOB_NOT_FOUND',
  ACTION_DENIED = 'ACTION_DENIED',
  NAME_TAKEN = 'NAME_TAKEN',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
}

export function packageJobErrorCode(reason: PackageJobErrorReason): ErrorCode {
  switch (reason) {
    case PackageJobErrorReason.INVALID_FIELD:
    case PackageJobErrorReason.UNKNOWN_PACKAGE:
    case PackageJobErrorReason.UNKNOWN_CLUSTER:
    case PackageJobErrorReason.OUTSIDE_PROJECT:
    case PackageJobErrorReason.PACKAGE_NOT_READY:
    case PackageJobErrorReason.NO_ELIGIBLE_NODE:
      return ErrorCode.BAD_USER_INPUT;
    case PackageJobErrorReason.JOB_NOT_FOUND:
      return ErrorCode.NOT_FOUND;
    case PackageJobErrorReason.ACTION_DENIED:
      return ErrorCode.FORBIDDEN;
    case PackageJobErrorReason.NAME_TAKEN:
    case PackageJobErrorReason.VERSION_CONFLICT:
      return ErrorCode.CONFLICT;
    default:
      return assertUnreachable(reason);
  }
}

export const PackageJobError = domainErrorClass('PackageJob', packageJobErrorCode);
