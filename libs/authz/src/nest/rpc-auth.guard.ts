import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ServiceError } from '@stagecraft/contracts';
import { PUBLIC_RPC, requestMetaOf } from '@stagecraft/messaging';

import type { Caller } from './caller';
import { CallerResolver } from './caller-resolver';

const callers = new WeakMap<object, Caller>();

/**
 * Every message handler runs for a verified caller unless marked @PublicRpc: the token in
 * the request's headers is checked here, in the service, whatever the gateway did.
 */
@Injectable()
export class RpcAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: CallerResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'rpc') return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_RPC, [context.getHandler(), context.getClass()])) return true;
    const caller = await this.resolver.resolve(requestMetaOf(context));
    callers.set(context.switchToRpc().getContext<object>(), caller);
    return true;
  }
}

/** The Caller that RpcAuthGuard verified for this request. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = callers.get(context.switchToRpc().getContext<object>());
  if (!caller) throw ServiceError.unauthenticated('a bearer token is required');
  return caller;
});
