import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { RequestMeta } from '@stagecraft/messaging';

import type { Loaders } from '../graphql/loaders';

/** What the gateway knows about one GraphQL request; passed on to services in NATS headers. */
export interface RequestContext extends RequestMeta {
  correlationId: string;
  token?: string;
}

export interface GraphQLContext {
  /** The HTTP request (an express Request, or the bare one on the direct POST path); none over graphql-ws. */
  req?: IncomingMessage;
  requestContext: RequestContext;
  loaders: Loaders;
}

export function requestContextFromHeaders(authorization: string | undefined, correlationId: string | undefined): RequestContext {
  const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return { token, correlationId: correlationId && /^[\w.-]{1,64}$/.test(correlationId) ? correlationId : randomUUID() };
}

export function requestContextOf(context: unknown): RequestContext | undefined {
  return (context as Partial<GraphQLContext> | undefined)?.requestContext;
}
