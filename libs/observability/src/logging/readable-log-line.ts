/** pino's numbers, for a line written with numeric levels (ours are labels). */
const LABELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

interface LogRecord {
  level?: unknown;
  context?: unknown;
  msg?: unknown;
  err?: { stack?: unknown; message?: unknown };
}

/**
 * A JSON log line as a person reads it: `warn BuildScheduler: message`, an error's stack below.
 * Anything that is not one of our JSON lines (a crash printed by node, another tool's output)
 * comes back unchanged.
 */
export function readableLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let record: LogRecord;
  try {
    record = JSON.parse(line) as LogRecord;
  } catch {
    return line;
  }
  if (typeof record !== 'object' || record === null || record.level === undefined) return line;
  const level = typeof record.level === 'number' ? (LABELS[record.level] ?? record.level) : record.level;
  const context = typeof record.context === 'string' ? `${record.context}: ` : '';
  const message = typeof record.msg === 'string' ? record.msg : typeof record.err?.message === 'string' ? record.err.message : '';
  const stack = typeof record.err?.stack === 'string' ? `\n${indent(record.err.stack)}` : '';
  return `${String(level)} ${context}${message}${stack}`;
}

/** Each line of a log (`\n`-separated) made readable. */
export function readableLog(text: string): string {
  return text.split('\n').map(readableLogLine).join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
