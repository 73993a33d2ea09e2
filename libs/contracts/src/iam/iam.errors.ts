import { domainErrorClass } from '../errors/domain-error';
import { assertUnreachable, ErrorCode } from '../errors/error-code';

/** Why iam refused (docs/errors.md#identity-and-access). */
export enum IamErrorReason {
  INVALID_FIELD = 'INVALID_FIELD',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  USER_GONE = 'USER_GONE',
  ADMIN_ONLY = 'ADMIN_ONLY',
  ACTION_DENIED = 'ACTION_DENIED',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  ACCESS_KEY_NOT_FOUND = 'ACCESS_KEY_NOT_FOUND',
  POLICY_NOT_FOUND = 'POLICY_NOT_FOUND',
  ATTACHMENT_NOT_FOUND = 'ATTACHMENT_NOT_FOUND',
  PROJECT_NOT_FOUND = 'PROJECT_NOT_FOUND',
  IMAGE_REPOSITORY_NOT_FOUND = 'IMAGE_REPOSITORY_NOT_FOUND',
  ROBOT_ACCOUNT_NOT_FOUND = 'ROBOT_ACCOUNT_NOT_FOUND',
  NAME_TAKEN = 'NAME_TAKEN',
  SELF_DELETE = 'SELF_DELETE',
  REPOSITORY_RESERVED = 'REPOSITORY_RESERVED',
  REPOSITORY_OF_OTHER_PROJECT = 'REPOSITORY_OF_OTHER_PROJECT',
  REGISTRY_TOKENS_DISABLED = 'REGISTRY_TOKENS_DISABLED',
}

export function iamErrorCode(reason: IamErrorReason): ErrorCode {
  switch (reason) {
    case IamErrorReason.INVALID_FIELD:
      return ErrorCode.BAD_USER_INPUT;
    case IamErrorReason.INVALID_CREDENTIALS:
    case IamErrorReason.USER_GONE:
      return ErrorCode.UNAUTHENTICATED;
    case IamErrorReason.ADMIN_ONLY:
    case IamErrorReason.ACTION_DENIED:
      return ErrorCode.FORBIDDEN;
    case IamErrorReason.USER_NOT_FOUND:
    case IamErrorReason.ACCESS_KEY_NOT_FOUND:
    case IamErrorReason.POLICY_NOT_FOUND:
    case IamErrorReason.ATTACHMENT_NOT_FOUND:
    case IamErrorReason.PROJECT_NOT_FOUND:
    case IamErrorReason.IMAGE_REPOSITORY_NOT_FOUND:
    case IamErrorReason.ROBOT_ACCOUNT_NOT_FOUND:
      return ErrorCode.NOT_FOUND;
    case IamErrorReason.NAME_TAKEN:
    case IamErrorReason.SELF_DELETE:
    case IamErrorReason.REPOSITORY_RESERVED:
    case IamErrorReason.REPOSITORY_OF_OTHER_PROJECT:
      return ErrorCode.CONFLICT;
    case IamErrorReason.REGISTRY_TOKENS_DISABLED:
      return ErrorCode.UNAVAILABLE;
    default:
      return assertUnreachable(reason);
  }
}

export const IamError = domainErrorClass('Iam', iamErrorCode);
