import type { Level } from 'pino';

/** LOG_FORMAT: `json` lines for machines, `pretty` text for people, `auto` = pretty only on a terminal. */
export type LogFormat = 'auto' | 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];

/** LOG_LEVEL keeps Nest's names, which every Stagecraft process has always read. */
export type LogLevelName = 'error' | 'warn' | 'log' | 'debug' | 'verbose';
export const LOG_LEVEL_NAMES: readonly LogLevelName[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** What a process's config says about its logs (ProcessConfig has both fields). */
export interface LoggingSettings {
  LOG_LEVEL?: LogLevelName;
  LOG_FORMAT?: LogFormat;
}

/** Nest's level names as pino's: `log` is pino's `info`, `verbose` its `trace`. */
export const PINO_LEVELS: Record<LogLevelName, Level> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

export function isPretty(format: LogFormat, stdoutIsTty: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTty);
}
