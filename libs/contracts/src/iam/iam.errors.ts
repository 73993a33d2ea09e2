import { errorDomain } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-code';

/** Why the iam refused, by the code each reason travels with (docs/errors.md#identity-and-access). */
const iamErrors = errorDomain('Iam', {
  [ErrorCode.BAD_USER_INPUT]: ['INVALID_FIELD'],
  [ErrorCode.UNAUTHENTICATED]: ['INVALID_CREDENTIALS', 'USER_GONE'],
  [ErrorCode.FORBIDDEN]: ['ADMIN_ONLY', 'ACTION_DENIED'],
  [ErrorCode.NOT_FOUND]: [
    'USER_NOT_FOUND',
    'ACCESS_KEY_NOT_FOUND',
    'POLICY_NOT_FOUND',
    'ATTACHMENT_NOT_FOUND',
    'PROJECT_NOT_FOUND',
    'IMAGE_REPOSITORY_NOT_FOUND',
    'ROBOT_ACCOUNT_NOT_FOUND',
  ],
  [ErrorCode.CONFLICT]: ['NAME_TAKEN', 'SELF_DELETE', 'REPOSITORY_RESERVED', 'REPOSITORY_OF_OTHER_PROJECT'],
  [ErrorCode.UNAVAILABLE]: ['REGISTRY_TOKENS_DISABLED'],
});

export const IamErrorReason = iamErrors.reasons;
export type IamErrorReason = keyof typeof IamErrorReason;
export const iamErrorCode = iamErrors.codeOf;
export const IamError = iamErrors.Error;
