import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { Headers as HeaderNames } from '@stagecraft/contracts';

import type { RequestMeta } from '../nats-rpc.client';

/** The caller's token and correlation id, read from the request's NATS headers. */
export function requestMetaOf(context: ExecutionContext): RequestMeta {
  const rpc = context.switchToRpc().getContext<unknown>();
  if (!(rpc instanceof NatsContext)) return {};
  const headers = rpc.getHeaders();
  const authorization: string | undefined = headers?.get(HeaderNames.authorization) || undefined;
  const correlationId: string | undefined = headers?.get(HeaderNames.correlationId) || undefined;
  return {
    token: authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined,
    correlationId,
  };
}

export const Meta = createParamDecorator((_data: unknown, context: ExecutionContext) => requestMetaOf(context));
