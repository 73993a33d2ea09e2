import { ErrorCode, isErrorCode } from './error-code';

/** The shape of an error on the wire: `{ code, message, field? }`. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  field?: string;
}

/**
 * An error meant for the caller. Its message is shown to users, so it never carries
 * secrets, SQL or paths; anything else thrown is masked as INTERNAL.
 */
export class ServiceError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }

  toBody(): ErrorBody {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }

  static fromBody(body: unknown): ServiceError {
    if (typeof body === 'object' && body !== null) {
      const { code, message, field } = body as Record<string, unknown>;
      if (isErrorCode(code) && typeof message === 'string') {
        return new ServiceError(code, message, typeof field === 'string' ? field : undefined);
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
