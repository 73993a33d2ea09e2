import type { ApolloServer, ApolloServerPlugin, BaseContext } from '@apollo/server';
import type {
  ApolloServer as NestsApolloServer,
  ApolloServerPlugin as NestsApolloServerPlugin,
} from '@apollo/server' with { 'resolution-mode': 'import' };

/*
 * @apollo/server ships two builds, CommonJS and ES modules. This workspace compiles to CommonJS
 * and so loads (and type-checks against) the first; Nest 12's @nestjs/apollo is ESM only and
 * runs the second. What crosses between them works with either build at run time (plugins are
 * plain objects of hooks, a HeaderMap is a Map with lower-case keys), but TypeScript tells the
 * two builds' types apart (HeaderMap's private brand). These two functions are the crossing.
 */

/** The gateway's plugins, for the Apollo server that @nestjs/apollo creates. */
export function pluginsForNest<TContext extends BaseContext>(
  plugins: ApolloServerPlugin<TContext>[],
): NestsApolloServerPlugin<TContext>[] {
  return plugins as unknown as NestsApolloServerPlugin<TContext>[];
}

/** The Apollo server @nestjs/apollo created, for code written against @apollo/server's types. */
export function apolloFromNest<TContext extends BaseContext>(server: NestsApolloServer<TContext>): ApolloServer<TContext> {
  return server as unknown as ApolloServer<TContext>;
}
