import { NatsConfig } from '@stagecraft/messaging';
import { LOG_FORMATS, LOG_LEVEL_NAMES, type LogFormat, type LogLevelName } from '@stagecraft/observability';
import { IsIn, IsInt, IsString, Matches, Max, Min, MinLength } from 'class-validator';

/** What every Stagecraft process reads: its NATS identity and connection, and how much it logs. */
export class ProcessConfig extends NatsConfig {
  @IsIn(LOG_LEVEL_NAMES) LOG_LEVEL: LogLevelName = 'log';
  /** `json` lines, `pretty` text, or `auto`: pretty only when stdout is a terminal (docs/observability.md#logs). */
  @IsIn(LOG_FORMATS) LOG_FORMAT: LogFormat = 'auto';
  /** The port of this process's /metrics, /healthz and /readyz (docs/observability.md); 0: not served. */
  @IsInt() @Min(0) @Max(65535) OBSERVABILITY_PORT = 0;
  /** Where that port listens: 0.0.0.0 in a pod, for the kubelet and Prometheus. */
  @IsString() @MinLength(1) OBSERVABILITY_HOST = '127.0.0.1';
}

/**
 * What every service with a database reads besides: the database and the service's own schema.
 * Each service sets its schema's default (`override DATABASE_SCHEMA = 'jobs'`); the rule stays here.
 */
export class ServiceConfig extends ProcessConfig {
  @IsString() @MinLength(1) DATABASE_URL!: string;
  @IsString() @Matches(/^[a-z_][a-z0-9_]*$/) DATABASE_SCHEMA!: string;
  /**
   * Connections this process keeps open at most for its queries (a few more are its own: LISTEN,
   * advisory locks). Every replica has its own: Postgres' max_connections must cover them all.
   */
  @IsInt() @Min(1) @Max(100) DATABASE_POOL_SIZE = 10;
}
