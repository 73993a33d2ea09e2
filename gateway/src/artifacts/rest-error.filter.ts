import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { assertUnreachable, ErrorCode, ServiceError } from '@stagecraft/contracts';
import type { Response } from 'express';

/** REST endpoints answer errors as `{ code, message, field? }` with the matching HTTP status. */
@Catch()
export class RestErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('RestErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof ServiceError) {
      response.status(httpStatusFor(exception.code)).json(exception.toBody());
      return;
    }
    if (exception instanceof HttpException) {
      response.status(exception.getStatus()).json({ code: ErrorCode.BAD_USER_INPUT, message: exception.message });
      return;
    }
    this.logger.error(`unexpected error: ${exception instanceof Error ? exception.message : String(exception)}`);
    response.status(500).json({ code: ErrorCode.INTERNAL, message: 'internal error' });
  }
}

export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.BAD_USER_INPUT:
      return 400;
    case ErrorCode.UNAUTHENTICATED:
      return 401;
    case ErrorCode.FORBIDDEN:
      return 403;
    case ErrorCode.NOT_FOUND:
      return 404;
    case ErrorCode.CONFLICT:
      return 409;
    case ErrorCode.UNAVAILABLE:
      return 503;
    case ErrorCode.INTERNAL:
      return 500;
    default:
      return assertUnreachable(code);
  }
}
