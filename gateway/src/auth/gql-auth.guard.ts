import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { CallerResolver } from '@stagecraft/authz';
import { ErrorCode, ServiceError } from '@stagecraft/contracts';

import { type DeclaredPermission, PERMISSION, PUBLIC } from './permission.decorator';
import { requestContextOf } from './request-context';

/**
 * Verifies the bearer token of every GraphQL operation that is not @Public: missing, expired,
 * tampered and revoked tokens (deleted user, disabled key, revokeTokens) are UNAUTHENTICATED
 * before any service is asked.
 */
@Injectable()
export class GqlAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly callers: CallerResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<string>() !== 'graphql') return true;
    const permission = this.reflector.get<DeclaredPermission | undefined>(PERMISSION, context.getHandler());
    if (permission === undefined) {
      // Fail closed: an operation without a declared permission is a bug, not an open door.
      throw new ServiceError(ErrorCode.FORBIDDEN, 'this operation declares no permission');
    }
    if (permission === PUBLIC) return true;
    const requestContext = requestContextOf(GqlExecutionContext.create(context).getContext());
    await this.callers.resolve({ token: requestContext?.token, correlationId: requestContext?.correlationId });
    return true;
  }
}
