import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, type INestApplication, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Context, GraphQLModule, Query, Resolver } from '@nestjs/graphql';
import { CallerResolver } from '@stagecraft/authz';
import type { Request } from 'express';

import { type RequestContext, requestContextFromHeaders } from '../../gateway/src/auth/request-context';
import { costLimitPlugin } from '../../gateway/src/graphql/cost-limit.plugin';
import { depthLimitRule } from '../../gateway/src/graphql/depth-limit.rule';
import { formatError } from '../../gateway/src/graphql/format-error';
import { pluginsForNest } from '../../gateway/src/graphql/nest-apollo';
import { User } from '../../gateway/src/iam/iam.types';
// Not exported by @stagecraft/service-iam; the baseline needs the very instance iam runs.
import { UsersService } from '../../services/iam/src/users/users.service';

/** The gateway's context minus its NATS data loaders, which `me` does not use. */
interface InProcessContext {
  req: Request;
  requestContext: RequestContext;
}

/**
 * The `me` query answered in process, without NATS: the resolver does what iam does behind
 * the NATS hop (verify the token, resolve the caller with iam's own rules source and cache,
 * then UsersService.me), with the gateway's GraphQL settings around it.
 */
@Resolver(() => User)
class InProcessMeResolver {
  constructor(
    private readonly callers: CallerResolver,
    private readonly users: UsersService,
  ) {}

  @Query(() => User, { description: 'The signed-in user, answered in process.' })
  async me(@Context() context: InProcessContext) {
    const caller = await this.callers.resolve(context.requestContext);
    return this.users.me(caller);
  }
}

@Module({})
class InProcessMeModule {
  static using(iam: INestMicroservice): DynamicModule {
    return {
      module: InProcessMeModule,
      imports: [
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: true,
          sortSchema: true,
          playground: false,
          graphiql: false,
          includeStacktraceInErrorResponses: false,
          validationRules: [depthLimitRule(10)],
          plugins: pluginsForNest([costLimitPlugin(5000)]),
          formatError,
          context: ({ req }: { req: Request }): InProcessContext => ({
            req,
            requestContext: requestContextFromHeaders(req.headers.authorization, req.header('x-correlation-id')),
          }),
        }),
      ],
      providers: [
        InProcessMeResolver,
        // The running iam's own instances: same token verifier, same rules cache, same pool.
        { provide: CallerResolver, useValue: iam.get(CallerResolver, { strict: false }) },
        { provide: UsersService, useValue: iam.get(UsersService, { strict: false }) },
      ],
    };
  }
}

/** Starts the in-process `me` endpoint on a free loopback port; returns the app and its /graphql URL. */
export async function startInProcessMe(iam: INestMicroservice): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(InProcessMeModule.using(iam), { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  return { app, url: `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/graphql` };
}
