import { errorDomain } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-code';

/** Why a webhook request was refused, by the code each reason travels with (docs/errors.md#webhooks). */
const webhookErrors = errorDomain('Webhook', {
  [ErrorCode.BAD_USER_INPUT]: ['INVALID_WEBHOOK'],
  [ErrorCode.NOT_FOUND]: ['WEBHOOK_NOT_FOUND'],
  [ErrorCode.CONFLICT]: ['TOO_MANY_WEBHOOKS'],
  [ErrorCode.FORBIDDEN]: ['WEBHOOK_ACTION_DENIED'],
  [ErrorCode.UNAVAILABLE]: ['SECRETS_NOT_CONFIGURED'],
});

export const WebhookErrorReason = webhookErrors.reasons;
export type WebhookErrorReason = keyof typeof WebhookErrorReason;
export const webhookErrorCode = webhookErrors.codeOf;
export const WebhookError = webhookErrors.Error;
