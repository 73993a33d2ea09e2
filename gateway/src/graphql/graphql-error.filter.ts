import { ArgumentsHost, Catch, Logger } from '@nestjs/common';
import { GqlArgumentsHost, GqlExceptionFilter } from '@nestjs/graphql';
import { ErrorCode, ServiceError } from '@stagecraft/contracts';
import { GraphQLError } from 'graphql';

import { requestContextOf } from '../auth/request-context';
import { toGraphQLError } from './error-mapping';

/**
 * Every error a resolver throws leaves as a GraphQLError with a code: ServiceErrors keep
 * theirs (and the field); anything else is logged with the correlation id and masked.
 */
@Catch()
export class GraphQLErrorFilter implements GqlExceptionFilter {
  private readonly logger = new Logger('GraphQLErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): GraphQLError {
    const correlationId = requestContextOf(GqlArgumentsHost.create(host).getContext())?.correlationId;
    if (exception instanceof ServiceError) {
      if (exception.code === ErrorCode.INTERNAL)
        this.logger.warn(`a service reported an internal error (correlation id ${correlationId})`);
      return toGraphQLError(exception, correlationId);
    }
    if (exception instanceof GraphQLError) return exception;
    this.logger.error(
      `unexpected error (correlation id ${correlationId}): ${exception instanceof Error ? exception.message : String(exception)}`,
      exception instanceof Error ? exception.stack : undefined,
    );
    return toGraphQLError(new ServiceError(ErrorCode.INTERNAL, 'internal error'), correlationId);
  }
}
