import { errorDomain } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-code';

/** Why the builds service refused, by the code each reason travels with (docs/errors.md#builds). */
const buildErrors = errorDomain('Build', {
  [ErrorCode.NOT_FOUND]: ['BUILD_NOT_FOUND', 'JOB_NOT_FOUND'],
  [ErrorCode.FORBIDDEN]: ['ACTION_DENIED'],
  [ErrorCode.UNAVAILABLE]: ['CLUSTERS_NOT_CONFIGURED'],
  [ErrorCode.CONFLICT]: ['CLUSTER_NOT_AVAILABLE', 'NO_ELIGIBLE_NODE', 'ALREADY_FINISHED', 'STATE_CHANGED', 'UNFINISHED_BUILDS'],
});

export const BuildErrorReason = buildErrors.reasons;
export type BuildErrorReason = keyof typeof BuildErrorReason;
export const buildErrorCode = buildErrors.codeOf;
export const BuildError = buildErrors.Error;
