import { ArgumentsHost, Catch, Logger, RpcExceptionFilter } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { ErrorCode, Headers as HeaderNames, ServiceError } from '@stagecraft/contracts';
import { Observable, throwError } from 'rxjs';

/**
 * ServiceErrors go back to the caller as they are; anything else is logged with the
 * correlation id and answered as a masked INTERNAL error (no stack, SQL or path leaves).
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('RpcErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    if (exception instanceof ServiceError) return throwError(() => exception);
    const context = host.switchToRpc().getContext<unknown>();
    const correlationId = context instanceof NatsContext ? context.getHeaders()?.get(HeaderNames.correlationId) : undefined;
    const subject = context instanceof NatsContext ? context.getSubject() : 'unknown subject';
    this.logger.error(
      `unexpected error on ${subject} (correlation id ${correlationId ?? 'none'}): ${describe(exception)}`,
      exception instanceof Error ? exception.stack : undefined,
    );
    return throwError(() => new ServiceError(ErrorCode.INTERNAL, `internal error (correlation id ${correlationId ?? 'none'})`));
  }
}

function describe(exception: unknown): string {
  return exception instanceof Error ? `${exception.name}: ${exception.message}` : String(exception);
}
