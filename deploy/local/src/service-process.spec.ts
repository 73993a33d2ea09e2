import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ServiceProcess } from './service-process';

describe('ServiceProcess (a real child process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-service-process-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its JSON log lines in its log file and shows its tail readable: `level context: message`, stacks below', async () => {
    const entry = join(dir, 'failing.js');
    const line = (record: object) =>
      `console.log(${JSON.stringify(JSON.stringify({ time: '2026-01-01T00:00:00.000Z', service: 'iam', ...record }))});`;
    writeFileSync(
      entry,
      [
        line({ level: 'info', context: 'NestFactory', msg: 'Starting Nest application...' }),
        line({
          level: 'error',
          context: 'ExceptionHandler',
          msg: 'connect ECONNREFUSED',
          err: { stack: 'Error: connect ECONNREFUSED\n    at TCPConnectWrap' },
        }),
        "console.error('iam failed to start: connect ECONNREFUSED');",
        'process.exit(1);',
      ].join('\n'),
    );
    const child = new ServiceProcess('iam', entry, {}, dir);
    expect(await child.exited).toEqual({ code: 1, signal: null });
    expect(child.tail()).toBe(
      [
        'info NestFactory: Starting Nest application...',
        'error ExceptionHandler: connect ECONNREFUSED',
        '    Error: connect ECONNREFUSED',
        '        at TCPConnectWrap',
        'iam failed to start: connect ECONNREFUSED',
      ].join('\n'),
    );
  });
});
