import { assertUnreachable, ErrorCode, ServiceError } from '@stagecraft/contracts';
import { GraphQLError } from 'graphql';

/** The codes clients see in `extensions.code`. */
export function graphqlCodeFor(code: ErrorCode): string {
  switch (code) {
    case ErrorCode.BAD_USER_INPUT:
      return 'BAD_USER_INPUT';
    case ErrorCode.UNAUTHENTICATED:
      return 'UNAUTHENTICATED';
    case ErrorCode.FORBIDDEN:
      return 'FORBIDDEN';
    case ErrorCode.NOT_FOUND:
      return 'NOT_FOUND';
    case ErrorCode.CONFLICT:
      return 'CONFLICT';
    case ErrorCode.UNAVAILABLE:
      return 'UNAVAILABLE';
    case ErrorCode.INTERNAL:
      return 'INTERNAL_SERVER_ERROR';
    default:
      return assertUnreachable(code);
  }
}

export function toGraphQLError(error: ServiceError, correlationId?: string): GraphQLError {
  const extensions: Record<string, unknown> = { code: graphqlCodeFor(error.code), reason: error.reason };
  if (error.field !== undefined) extensions.field = error.field;
  if (error.code === ErrorCode.INTERNAL && correlationId) extensions.correlationId = correlationId;
  return new GraphQLError(error.message, { extensions });
}

/** Codes that Apollo and graphql-js produce themselves before any resolver runs. */
export const PASS_THROUGH_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'QUERY_TOO_COMPLEX',
  'QUERY_TOO_DEEP',
]);
