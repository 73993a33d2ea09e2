import { readableLog, readableLogLine } from './readable-log-line';

describe('readableLogLine', () => {
  it('shows a JSON log line as `level context: message`', () => {
    const line = JSON.stringify({
      level: 'warn',
      time: '2026-01-01T00:00:00.000Z',
      service: 'builds',
      context: 'BuildScheduler',
      msg: 'slow',
      trace_id: 'abc',
    });
    expect(readableLogLine(line)).toBe('warn BuildScheduler: slow');
    expect(readableLogLine(JSON.stringify({ level: 30, msg: 'numeric level, no context' }))).toBe(
      'info numeric level, no context',
    );
  });

  it("puts an error's stack below its line", () => {
    const line = JSON.stringify({
      level: 'error',
      context: 'ExceptionHandler',
      err: { type: 'Error', message: 'connect ECONNREFUSED', stack: 'Error: connect ECONNREFUSED\n    at TCPConnectWrap' },
    });
    expect(readableLogLine(line)).toBe(
      'error ExceptionHandler: connect ECONNREFUSED\n    Error: connect ECONNREFUSED\n        at TCPConnectWrap',
    );
  });

  it.each([
    'iam failed to start: DATABASE_URL must be a string',
    '(node:123) Warning: something',
    '{ not json',
    '{"no":"level"}',
    '',
  ])('keeps a line that is not one of ours as it is: %j', (line) => {
    expect(readableLogLine(line)).toBe(line);
  });

  it('reads a whole tail line by line', () => {
    expect(readableLog(`${JSON.stringify({ level: 'info', context: 'NestFactory', msg: 'Starting' })}\nplain`)).toBe(
      'info NestFactory: Starting\nplain',
    );
  });
});
