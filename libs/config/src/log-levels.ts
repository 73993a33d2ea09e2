import type { LogLevel } from '@nestjs/common';

const ORDER: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest's log levels from the most severe down to `level` (LOG_LEVEL=warn → fatal, error, warn). */
export function logLevelsUpTo(level: 'error' | 'warn' | 'log' | 'debug' | 'verbose'): LogLevel[] {
  return ORDER.slice(0, ORDER.indexOf(level) + 1);
}
