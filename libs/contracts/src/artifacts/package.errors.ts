import { errorDomain } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-code';

/** Why the artifacts service refused, by the code each reason travels with (docs/errors.md#packages). */
const packageErrors = errorDomain('Package', {
  [ErrorCode.BAD_USER_INPUT]: [
    'INVALID_FIELD',
    'TOO_LARGE',
    'OBJECT_NOT_FOUND',
    'CONTENT_REJECTED',
    'STORAGE_DENIED',
    'BUCKET_NOT_FOUND',
    'OBS_NOT_CONFIGURED',
  ],
  [ErrorCode.NOT_FOUND]: ['PACKAGE_NOT_FOUND'],
  [ErrorCode.FORBIDDEN]: ['ACTION_DENIED', 'ADMIN_ONLY', 'GRANT_INVALID'],
  [ErrorCode.CONFLICT]: [
    'NAME_VERSION_TAKEN',
    'NOT_PENDING_UPLOAD',
    'NOTHING_UPLOADED',
    'PACKAGE_NOT_READY',
    'PACKAGE_CHANGED',
    'PACKAGE_IN_USE',
    'BUSY',
  ],
  [ErrorCode.UNAVAILABLE]: ['STORAGE_UNREACHABLE'],
});

export const PackageErrorReason = packageErrors.reasons;
export type PackageErrorReason = keyof typeof PackageErrorReason;
export const packageErrorCode = packageErrors.codeOf;
export const PackageError = packageErrors.Error;
