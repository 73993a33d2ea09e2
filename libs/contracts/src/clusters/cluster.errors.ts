import { errorDomain } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-code';

/** Why the clusters service refused, by the code each reason travels with (docs/errors.md#clusters). */
const clusterErrors = errorDomain('Cluster', {
  [ErrorCode.BAD_USER_INPUT]: ['INVALID_FIELD', 'INVALID_KUBECONFIG'],
  [ErrorCode.NOT_FOUND]: ['CLUSTER_NOT_FOUND'],
  [ErrorCode.FORBIDDEN]: ['ADMIN_ONLY', 'ACTION_DENIED'],
  [ErrorCode.CONFLICT]: ['NAME_TAKEN', 'CLUSTER_IN_USE', 'BUSY'],
});

export const ClusterErrorReason = clusterErrors.reasons;
export type ClusterErrorReason = keyof typeof ClusterErrorReason;
export const clusterErrorCode = clusterErrors.codeOf;
export const ClusterError = clusterErrors.Error;
