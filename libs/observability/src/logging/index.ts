export { logHttpRequests } from './http-request-logger';
export { LOG_FORMATS, LOG_LEVEL_NAMES, type LogFormat, type LoggingSettings, type LogLevelName } from './log-settings';
export { createNestLogger, PinoNestLogger } from './pino-nest.logger';
export { createProcessLogger, type ProcessLoggerOptions } from './process-logger.factory';
export { readableLog, readableLogLine } from './readable-log-line';
export { SECRET_KEYS } from './redaction';
