import { ErrorCode, isErrorCode } from './error-code';

/**
 * The shape of an error on the wire: `{ code, reason, message, field? }`. `code` is the transport
 * class every caller maps; `reason` says which rule failed, for clients to switch on
 * (docs/errors.md). Errors that no domain names carry their code as their reason.
 */
export interface ErrorBody {
  code: ErrorCode;
  reason: string;
  message: string;
  field?: string;
}

/**
 * An error meant for the caller. Its message is shown to users, so it never carries
 * secrets, SQL or paths; anything else thrown is masked as INTERNAL.
 */
export class ServiceError extends Error {
  readonly reason: string;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    reason?: string,
  ) {
    super(message);
    this.name = 'ServiceError';
    this.reason = reason ?? code;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, reason: this.reason, message: this.message };
    if (this.field !== undefined) body.field = this.field;
    return body;
  }

  /** The same failure told differently (a message with more context, or another field). */
  restated(message: string, field = this.field): ServiceError {
    return new ServiceError(this.code, message, field, this.reason);
  }

  static fromBody(body: unknown): ServiceError {
    if (typeof body === 'object' && body !== null) {
      const { code, message, field, reason } = body as Record<string, unknown>;
      if (isErrorCode(code) && typeof message === 'string') {
        return new ServiceError(
          code,
          message,
          typeof field === 'string' ? field : undefined,
          typeof reason === 'string' ? reason : undefined,
        );
      }
    }
    return new ServiceError(ErrorCode.INTERNAL, 'internal error');
  }

  static badInput(field: string, message: string): ServiceError {
    return new ServiceError(ErrorCode.BAD_USER_INPUT, message, field);
  }
  static notFound(what: string): ServiceError {
    return new ServiceError(ErrorCode.NOT_FOUND, `${what} not found`);
  }
  static conflict(message: string, field?: string): ServiceError {
    return new ServiceError(ErrorCode.CONFLICT, message, field);
  }
  static forbidden(message: string): ServiceError {
    return new ServiceError(ErrorCode.FORBIDDEN, message);
  }
  static unauthenticated(message: string): ServiceError {
    return new ServiceError(ErrorCode.UNAUTHENTICATED, message);
  }
  static unavailable(message: string): ServiceError {
    return new ServiceError(ErrorCode.UNAVAILABLE, message);
  }
}
