import { errorDomain } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-code';

/** Why the jobs service refused, by the code each reason travels with (docs/errors.md#package-jobs). */
const packageJobErrors = errorDomain('PackageJob', {
  [ErrorCode.BAD_USER_INPUT]: [
    'INVALID_FIELD',
    'UNKNOWN_PACKAGE',
    'UNKNOWN_CLUSTER',
    'OUTSIDE_PROJECT',
    'PACKAGE_NOT_READY',
    'NO_ELIGIBLE_NODE',
  ],
  [ErrorCode.NOT_FOUND]: ['JOB_NOT_FOUND'],
  [ErrorCode.FORBIDDEN]: ['ACTION_DENIED'],
  [ErrorCode.CONFLICT]: ['NAME_TAKEN', 'VERSION_CONFLICT'],
});

export const PackageJobErrorReason = packageJobErrors.reasons;
export type PackageJobErrorReason = keyof typeof PackageJobErrorReason;
export const packageJobErrorCode = packageJobErrors.codeOf;
export const PackageJobError = packageJobErrors.Error;
