import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

import type { LoggingSettings } from './log-settings';
import { createProcessLogger } from './process-logger.factory';

/** What Nest's ConsoleLogger takes for a stack trace (its `isStackFormat`). */
const STACK = /^(.)+\n\s+at .+:\d+:\d+/;

/**
 * Nest's LoggerService over a pino logger, given to NestFactory before the app exists, so Nest's
 * boot lines and a failed start's error go through it. Nest's contract: the last string argument
 * is the context (`new Logger('BuildScheduler')` appends it); `error(message, stack, context)`
 * carries a stack, logged with an Error under `err`.
 */
export class PinoNestLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    let rest = params;
    // As ConsoleLogger: `error(message, stack)` alone has a stack, not a context.
    const stackOnly = params.length === 1 && typeof params[0] === 'string' && STACK.test(params[0]);
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string' && !stackOnly) {
      fields['context'] = rest[rest.length - 1];
      rest = rest.slice(0, -1);
    }
    let msg: string | undefined;
    if (message instanceof Error) {
      fields['err'] = message;
      msg = message.message;
    } else if (typeof message === 'object' && message !== null) Object.assign(fields, message);
    else msg = String(message);
    const extra: unknown[] = [];
    for (const param of rest) {
      if (param === undefined) continue;
      if (param instanceof Error && !fields['err']) fields['err'] = param;
      else if (typeof param === 'string' && STACK.test(param) && !fields['err'])
        fields['err'] = Object.assign(new Error(msg ?? 'error'), { stack: param });
      else if (typeof param === 'object' && param !== null && !Array.isArray(param)) Object.assign(fields, param);
      else extra.push(param);
    }
    if (extra.length > 0) fields['args'] = extra;
    this.pino[level](fields, msg);
  }
}

/** The default Nest logger of a Stagecraft process: pino JSON lines on stdout, or pretty text on a terminal. */
export function createNestLogger(service: string, settings: LoggingSettings = {}): PinoNestLogger {
  return new PinoNestLogger(createProcessLogger({ service, level: settings.LOG_LEVEL, format: settings.LOG_FORMAT }));
}
