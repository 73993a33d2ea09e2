import { domainErrorClass } from '../errors/domain-error';
import { assertUnreachable, ErrorCode } from '../errors/error-code';

/** Why the clusters service refused (docs/errors.md#clusters). */
export enum ClusterErrorReason {
  INVALID_FIELD = 'INVALID_FIELD',
  INVALID_KUBECONFIG = 'INVALID_KUBECONFIG',
  CLUSTER_NOT_FOUND = 'CLUSTER_NOT_FOUND',
  ADMIN_ONLY = 'ADMIN_ONLY',
  ACTION_DENIED = 'ACTION_DENIED',
  NAME_TAKEN = 'NAME_TAKEN',
  CLUSTER_IN_USE = 'CLUSTER_IN_USE',
  BUSY = 'BUSY',
}

export function clusterErrorCode(reason: ClusterErrorReason): ErrorCode {
  switch (reason) {
    case ClusterErrorReason.INVALID_FIELD:
    case ClusterErrorReason.INVALID_KUBECONFIG:
      return ErrorCode.BAD_USER_INPUT;
    case ClusterErrorReason.CLUSTER_NOT_FOUND:
      return ErrorCode.NOT_FOUND;
    case ClusterErrorReason.ADMIN_ONLY:
    case ClusterErrorReason.ACTION_DENIED:
      return ErrorCode.FORBIDDEN;
    case ClusterErrorReason.NAME_TAKEN:
    case ClusterErrorReason.CLUSTER_IN_USE:
    case ClusterErrorReason.BUSY:
      return ErrorCode.CONFLICT;
    default:
      return assertUnreachable(reason);
  }
}

export const ClusterError = domainErrorClass('Cluster', clusterErrorCode);
