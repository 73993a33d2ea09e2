import { domainErrorClass } from '../errors/domain-error';
import { assertUnreachable, ErrorCode } from '../errors/error-code';

/** Why the builds service refused (docs/errors.md#builds). */
export enum BuildErrorReason {
  BUILD_NOT_FOUND = 'BUILD_NOT_FOUND',
  JOB_NOT_FOUND = 'JOB_NOT_FOUND',
  ACTION_DENIED = 'ACTION_DENIED',
  CLUSTERS_NOT_CONFIGURED = 'CLUSTERS_NOT_CONFIGURED',
  CLUSTER_NOT_AVAILABLE = 'CLUSTER_NOT_AVAILABLE',
  NO_ELIGIBLE_NODE = 'NO_ELIGIBLE_NODE',
  ALREADY_FINISHED = 'ALREADY_FINISHED',
  STATE_CHANGED = 'STATE_CHANGED',
  UNFINISHED_BUILDS = 'UNFINISHED_BUILDS',
}

export function buildErrorCode(reason: BuildErrorReason): ErrorCode {
  switch (reason) {
    case BuildErrorReason.BUILD_NOT_FOUND:
    case BuildErrorReason.JOB_NOT_FOUND:
      return ErrorCode.NOT_FOUND;
    case BuildErrorReason.ACTION_DENIED:
      return ErrorCode.FORBIDDEN;
    case BuildErrorReason.CLUSTERS_NOT_CONFIGURED:
      return ErrorCode.UNAVAILABLE;
    case BuildErrorReason.CLUSTER_NOT_AVAILABLE:
    case BuildErrorReason.NO_ELIGIBLE_NODE:
    case BuildErrorReason.ALREADY_FINISHED:
    case BuildErrorReason.STATE_CHANGED:
    case BuildErrorReason.UNFINISHED_BUILDS:
      return ErrorCode.CONFLICT;
    default:
      return assertUnreachable(reason);
  }
}

export const BuildError = domainErrorClass('Build', buildErrorCode);
