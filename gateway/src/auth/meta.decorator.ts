import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';

import { type RequestContext, requestContextOf } from './request-context';

/** The caller's token and correlation id, for the NATS request a resolver makes. */
export const Meta = createParamDecorator((_data: unknown, context: ExecutionContext): RequestContext => {
  const requestContext = requestContextOf(GqlExecutionContext.create(context).getContext());
  if (!requestContext) throw new Error('no request context');
  return requestContext;
});
