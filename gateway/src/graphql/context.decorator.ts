import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';

import type { Loaders } from './loaders';

/** This request's batching loaders. */
export const RequestLoaders = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Loaders => GqlExecutionContext.create(context).getContext().loaders,
);
