import { hostname } from 'node:os';

import { type DestinationStream, type Logger, pino } from 'pino';
import type PinoPretty from 'pino-pretty';

import { isPretty, type LogFormat, type LogLevelName, PINO_LEVELS } from './log-settings';
import { redactPaths } from './redaction';
import { traceContextMixin } from './trace-context.mixin';

export interface ProcessLoggerOptions {
  /** The process's name (`builds`, `gateway`): every line's `service`. */
  service: string;
  level?: LogLevelName;
  format?: LogFormat;
  /** Where lines go: stdout unless given (tests give a stream). */
  destination?: DestinationStream;
  /** Whether stdout is a terminal; `auto` prints pretty text only there. */
  stdoutIsTty?: boolean;
}

/**
 * The pino logger of a Stagecraft process: one JSON object per line with `level` (a label),
 * `time` (ISO), `service`, `msg`, the fields of the call (Nest's `context`, `err`) and the
 * active span's `trace_id`/`span_id`; secrets redacted by key (redaction.ts).
 */
export function createProcessLogger(options: ProcessLoggerOptions): Logger {
  const pretty = isPretty(options.format ?? 'auto', options.stdoutIsTty ?? process.stdout.isTTY === true);
  // Synchronous writes: the last lines before a crash (Nest exits the process on a failed start)
  // must reach the log, as console output does. No worker-thread transport for the same reason.
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level: PINO_LEVELS[options.level ?? 'log'],
      base: { service: options.service, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceContextMixin,
      redact: { paths: redactPaths(), censor: '[Redacted]' },
    },
    pretty ? prettyStream(destination, options.stdoutIsTty ?? process.stdout.isTTY === true) : destination,
  );
}

function prettyStream(destination: DestinationStream, colorize: boolean): DestinationStream {
  // Loaded only for text logs: a process writing JSON lines (every service `npm start` runs) need not hold it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pinoPretty = require('pino-pretty') as typeof PinoPretty;
  return pinoPretty({
    destination,
    sync: true,
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    // A person at a terminal knows which process it is; ids are for the machines reading JSON.
    ignore: 'service,pid,hostname,context,trace_id,span_id',
    messageFormat: '{if context}{context}: {end}{msg}',
  });
}
