import { Writable } from 'node:stream';

import { context, trace } from '@opentelemetry/api';
import { StackContextManager, TracerProvider } from '@opentelemetry/sdk-trace';

import type { LogFormat, LogLevelName } from './log-settings';
import { createProcessLogger } from './process-logger.factory';

/** A destination that keeps what the logger wrote, line by line. */
function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const lines = () => text.split('\n').filter(Boolean);
  return { stream, lines, records: () => lines().map((line) => JSON.parse(line) as Record<string, unknown>) };
}

function logger(options: { level?: LogLevelName; format?: LogFormat; stdoutIsTty?: boolean } = {}) {
  const out = capture();
  return { out, log: createProcessLogger({ service: 'builds', destination: out.stream, stdoutIsTty: false, ...options }) };
}

describe('createProcessLogger', () => {
  it('writes one JSON object per line: level label, ISO time, service, context and message', () => {
    const { out, log } = logger();
    log.info({ context: 'BuildScheduler' }, 'claimed 2 builds');
    log.warn({ context: 'OutboxRelay', lagMs: 1200 }, 'outbox behind');
    const [first, second] = out.records();
    expect(out.lines()).toHaveLength(2);
    expect(first).toMatchObject({ level: 'info', service: 'builds', context: 'BuildScheduler', msg: 'claimed 2 builds' });
    expect(new Date(first['time'] as string).toISOString()).toBe(first['time']);
    expect(second).toMatchObject({ level: 'warn', context: 'OutboxRelay', lagMs: 1200, msg: 'outbox behind' });
  });

  describe('trace ids', () => {
    const manager = new StackContextManager();
    beforeAll(() => context.setGlobalContextManager(manager.enable()));
    afterAll(() => context.disable());

    it('adds trace_id and span_id of the active span, and omits them outside one', () => {
      const { out, log } = logger();
      const tracer = new TracerProvider().getTracer('logging-spec');
      let ids: { traceId: string; spanId: string } | undefined;
      tracer.startActiveSpan('claim builds', (span) => {
        ids = span.spanContext();
        log.info('inside');
        span.end();
      });
      log.info('outside');
      const [inside, outside] = out.records();
      expect(inside).toMatchObject({ msg: 'inside', trace_id: ids!.traceId, span_id: ids!.spanId });
      expect(inside['trace_id']).toMatch(/^[0-9a-f]{32}$/);
      expect(outside['msg']).toBe('outside');
      expect(outside).not.toHaveProperty('trace_id');
      expect(outside).not.toHaveProperty('span_id');
    });

    it('omits them for a span without a valid context (no tracer registered: the API is a no-op)', () => {
      const { out, log } = logger();
      trace.getTracer('no-sdk').startActiveSpan('noop', (span) => {
        log.info('in a no-op span');
        span.end();
      });
      expect(out.records()[0]).not.toHaveProperty('trace_id');
    });
  });

  it('redacts secrets by key: headers, cookies, tokens, passwords, secret keys, kubeconfigs, nested up to two levels', () => {
    const { out, log } = logger();
    log.info(
      {
        password: 'hunter2',
        secretKey: 'sk-top',
        req: { headers: { authorization: 'Bearer eyJhbGciOi', cookie: 'session=abc', 'set-cookie': 'a=b', accept: 'json' } },
        cluster: { name: 'prod', kubeconfig: 'apiVersion: v1\nusers: [{token: x}]' },
        credentials: { accessKey: 'AK1', secretAccessKey: 'S3CR3T', token: 'tok' },
        config: { SECRETS_KEY: 'base64key', DATABASE_URL: 'postgres://u:pw@db/x', LOG_LEVEL: 'log' },
      },
      'with secrets',
    );
    const line = out.lines()[0];
    for (const secret of [
      'hunter2',
      'sk-top',
      'eyJhbGciOi',
      'session=abc',
      'a=b',
      'apiVersion',
      'S3CR3T',
      'tok"',
      'base64key',
      'pw@db',
    ])
      expect([secret, line.includes(secret)]).toEqual([secret, false]);
    expect(out.records()[0]).toMatchObject({
      password: '[Redacted]',
      req: { headers: { authorization: '[Redacted]', cookie: '[Redacted]', 'set-cookie': '[Redacted]', accept: 'json' } },
      cluster: { name: 'prod', kubeconfig: '[Redacted]' },
      credentials: { accessKey: 'AK1', secretAccessKey: '[Redacted]', token: '[Redacted]' },
      config: { LOG_LEVEL: 'log' },
    });
  });

  it.each([
    ['error', ['error']],
    ['warn', ['warn', 'error']],
    ['log', ['info', 'warn', 'error']],
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['verbose', ['trace', 'debug', 'info', 'warn', 'error']],
  ] as const)('LOG_LEVEL=%s (Nest names) writes %j', (level, written) => {
    const { out, log } = logger({ level });
    for (const method of ['trace', 'debug', 'info', 'warn', 'error'] as const) log[method](method);
    expect(out.records().map((record) => record['level'])).toEqual(written);
  });

  it.each([
    ['auto', false, 'json'],
    ['auto', true, 'pretty'],
    ['json', true, 'json'],
    ['pretty', false, 'pretty'],
  ] as const)('LOG_FORMAT=%s with a terminal=%s writes %s', (format, stdoutIsTty, expected) => {
    const { out, log } = logger({ format, stdoutIsTty });
    log.info({ context: 'NestFactory' }, 'Starting Nest application...');
    const [line] = out.lines();
    if (expected === 'json')
      expect(JSON.parse(line)).toMatchObject({ context: 'NestFactory', msg: 'Starting Nest application...' });
    else {
      expect(() => JSON.parse(line)).toThrow();
      expect(line.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: NestFactory: Starting Nest application\.\.\.$/,
      );
    }
  });
});
