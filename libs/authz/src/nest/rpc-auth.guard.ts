import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { NatsContext } from '@nestjs/microservices';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { ServiceError } from '@stagecraft/contracts';
import { requestMetaOf, RPC_ACCESS, type RpcAccess, rpcSenderOf } from '@stagecraft/messaging';

import { findAction } from '../action-catalog';
import type { Caller } from './caller';
import { CallerResolver } from './caller-resolver';

const callers = new WeakMap<object, Caller>();

/**
 * Every message handler declares who may call it (rpc-access.decorator.ts) and this guard holds
 * it to that, failing closed: a handler without a declaration is refused. Apart from @PublicRpc,
 * the token in the request's headers is verified here, in the service, whatever the gateway did.
 */
@Injectable()
export class RpcAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: CallerResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'rpc') return true;
    const access = this.reflector.getAllAndOverride<RpcAccess | undefined>(RPC_ACCESS, [
      context.getHandler(),
      context.getClass(),
    ]);
    // Named in refusals only: reading it costs a metadata look-up per request.
    const subject = () => subjectOf(context);
    if (!access) {
      throw ServiceError.forbidden(`${subject()} declares no caller (public, user action, admin or service-only): refused`);
    }
    if (access.kind === 'public') return true;
    if (access.kind === 'service') {
      const sender = rpcSenderOf(context);
      if (!sender || !access.callers.includes(sender)) {
        throw ServiceError.forbidden(
          `${subject()} is service-only: only ${access.callers.join(', ')} may send it, not ${sender ?? 'an unidentified sender'}`,
        );
      }
      // The sender acts for itself (ProcessRpc): there is no user, and the handler reads no caller.
      if (access.withoutUser) return true;
    }
    if (access.kind === 'user' && !findAction(access.action)) {
      throw ServiceError.forbidden(`${subject()} declares ${access.action}, which is no action of the catalog: refused`);
    }
    const caller = await this.resolver.resolve(requestMetaOf(context));
    if (access.kind === 'user' && !access.emptyListWhenNowhere && !caller.canSomewhere(access.action)) {
      throw ServiceError.forbidden(`${access.action} is allowed to you in no enterprise project`);
    }
    if (access.kind === 'admin' && !caller.isAdmin) {
      throw ServiceError.forbidden(`${subject()} is reserved for administrators`);
    }
    callers.set(context.switchToRpc().getContext<object>(), caller);
    return true;
  }
}

/** The subject the handler answers, as the contracts spell it (without the installation's prefix). */
function subjectOf(context: ExecutionContext): string {
  const patterns: unknown = Reflect.getMetadata(PATTERN_METADATA, context.getHandler());
  if (Array.isArray(patterns) && typeof patterns[0] === 'string') return patterns[0];
  const rpc = context.switchToRpc().getContext<unknown>();
  return rpc instanceof NatsContext ? rpc.getSubject() : `the handler ${context.getHandler().name}`;
}

/** The Caller that RpcAuthGuard verified for this request. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = callers.get(context.switchToRpc().getContext<object>());
  if (!caller) throw ServiceError.unauthenticated('a bearer token is required');
  return caller;
});

/** The Caller RpcAuthGuard verified for this request, if any (interceptors run after guards). */
export function verifiedCallerOf(context: ExecutionContext): Caller | undefined {
  return callers.get(context.switchToRpc().getContext<object>());
}
