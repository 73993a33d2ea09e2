// Not the barrel: its service module would load TypeORM and pg into a gateway without a database.
import { ProcessConfig } from '@stagecraft/service/service-config';
import { IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';

/** The gateway's environment. Each property is named as the variable it reads. */
export class GatewayConfig extends ProcessConfig {
  @IsString() HOST = '0.0.0.0';
  @IsInt() @Min(0) @Max(65535) PORT = 4000;
  /**
   * `production` turns introspection off; GraphiQL is served only in `development`. Elsewhere
   * introspection and GraphiQL answer signed-in callers only.
   */
  @IsIn(['development', 'production', 'test']) NODE_ENV: 'development' | 'production' | 'test' = 'development';
  @IsInt() @Min(1) @Max(50) GRAPHQL_MAX_DEPTH = 10;
  @IsInt() @Min(1) GRAPHQL_MAX_COST = 5000;
  /** The most service (NATS) calls one operation may lead to; aliases and page elements count. */
  @IsInt() @Min(1) GRAPHQL_MAX_SERVICE_CALLS = 1000;
  @IsInt() @Min(100) REQUEST_TIMEOUT_MS = 10_000;
  /** The built web console (dist/console) to serve at `/`; empty: none. */
  @IsString() CONSOLE_DIR = '';
  /** The services /health asks, comma-separated. */
  @IsString() @Matches(/^[a-z]+(,[a-z]+)*$/) SERVICES = 'iam';
}
