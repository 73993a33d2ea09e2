import { ErrorCode, PackageJobError, PackageJobErrorReason, ServiceError } from '@stagecraft/contracts';

import { graphqlCodeFor, toGraphQLError } from './error-mapping';
import { formatError } from './format-error';

describe('error mapping', () => {
  it.each([
    [ErrorCode.BAD_USER_INPUT, 'BAD_USER_INPUT'],
    [ErrorCode.UNAUTHENTICATED, 'UNAUTHENTICATED'],
    [ErrorCode.FORBIDDEN, 'FORBIDDEN'],
    [ErrorCode.NOT_FOUND, 'NOT_FOUND'],
    [ErrorCode.CONFLICT, 'CONFLICT'],
    [ErrorCode.UNAVAILABLE, 'UNAVAILABLE'],
    [ErrorCode.INTERNAL, 'INTERNAL_SERVER_ERROR'],
  ])('maps %s to %s', (code, expected) => {
    expect(graphqlCodeFor(code)).toBe(expected);
  });

  it('carries the offending field', () => {
    const error = toGraphQLError(ServiceError.badInput('statements[0].actions[1]', 'unknown action'));
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'BAD_USER_INPUT', field: 'statements[0].actions[1]' });
  });

  it("carries a domain error's reason beside the code it maps to", () => {
    const error = toGraphQLError(
      new PackageJobError(PackageJobErrorReason.VERSION_CONFLICT, 'the job was changed meanwhile', 'expectedVersion'),
    );
    expect(error.extensions).toEqual({ code: 'CONFLICT', reason: 'VERSION_CONFLICT', field: 'expectedVersion' });
  });

  it('adds the correlation id to internal errors only', () => {
    expect(toGraphQLError(new ServiceError(ErrorCode.INTERNAL, 'internal error'), 'c-1').extensions).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      reason: 'INTERNAL',
      correlationId: 'c-1',
    });
    expect(toGraphQLError(ServiceError.notFound('policy'), 'c-1').extensions).toEqual({ code: 'NOT_FOUND', reason: 'NOT_FOUND' });
  });
});

describe('formatError', () => {
  it('masks an error without a code we issue', () => {
    expect(formatError({ message: 'relation "iam.users" does not exist', path: ['me'] })).toEqual({
      message: 'internal error',
      path: ['me'],
      locations: undefined,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('keeps known codes and drops stack traces', () => {
    expect(
      formatError({ message: 'the token has expired', extensions: { code: 'UNAUTHENTICATED', stacktrace: ['at x'] } }),
    ).toEqual({
      message: 'the token has expired',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});
