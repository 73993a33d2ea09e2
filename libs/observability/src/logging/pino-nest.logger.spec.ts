import { Writable } from 'node:stream';

import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { PinoNestLogger } from './pino-nest.logger';
import { createProcessLogger } from './process-logger.factory';

function nestLogger(level: 'log' | 'verbose' = 'verbose') {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const logger = new PinoNestLogger(createProcessLogger({ service: 'jobs', level, destination, stdoutIsTty: false }));
  const records = () =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown> & { err?: Record<string, unknown> });
  return { logger, records };
}

@Module({})
class EmptyModule {}

/** As TypeORM's connection: an async provider that fails while Nest builds the module. */
@Module({
  providers: [
    {
      provide: 'DATABASE',
      useFactory: async () => {
        throw new Error('the database refused the connection');
      },
    },
  ],
})
class FailingModule {}

describe('PinoNestLogger', () => {
  it("takes Nest's contract: the context a Logger appends, Nest's levels as pino's", () => {
    const { logger, records } = nestLogger();
    Logger.overrideLogger(logger);
    const scheduler = new Logger('BuildScheduler');
    scheduler.log('claimed 2 builds');
    scheduler.warn('slow claim', { ms: 900 });
    scheduler.debug('tick');
    scheduler.verbose('every detail');
    scheduler.fatal('cannot continue');
    new Logger().log('no context');
    expect(records().map(({ level, context, msg, ms }) => ({ level, context, msg, ...(ms ? { ms } : {}) }))).toEqual([
      { level: 'info', context: 'BuildScheduler', msg: 'claimed 2 builds' },
      { level: 'warn', context: 'BuildScheduler', msg: 'slow claim', ms: 900 },
      { level: 'debug', context: 'BuildScheduler', msg: 'tick' },
      { level: 'trace', context: 'BuildScheduler', msg: 'every detail' },
      { level: 'fatal', context: 'BuildScheduler', msg: 'cannot continue' },
      { level: 'info', context: undefined, msg: 'no context' },
    ]);
  });

  it('logs errors with their stack under err: an Error, or (message, stack) as Nest passes them', () => {
    const { logger, records } = nestLogger();
    Logger.overrideLogger(logger);
    const filter = new Logger('RpcErrorFilter');
    const failure = new Error('relation "builds" does not exist');
    filter.error(`unexpected error on jobs.create.v1: ${failure.message}`, failure.stack);
    filter.error(failure);
    filter.error('no stack to give');
    Logger.error('static, stack only', failure.stack);
    const [withStack, asError, plain, staticCall] = records();
    expect(withStack).toMatchObject({
      level: 'error',
      context: 'RpcErrorFilter',
      msg: expect.stringContaining('unexpected error'),
    });
    expect(withStack.err).toMatchObject({ type: 'Error', stack: failure.stack });
    expect(asError).toMatchObject({
      context: 'RpcErrorFilter',
      msg: failure.message,
      err: { message: failure.message, stack: failure.stack },
    });
    expect(plain).toMatchObject({ context: 'RpcErrorFilter', msg: 'no stack to give' });
    expect(plain).not.toHaveProperty('err');
    expect(staticCall).toMatchObject({ msg: 'static, stack only', err: { stack: failure.stack } });
    expect(staticCall).not.toHaveProperty('context');
  });

  it('skips a disabled level before building anything', () => {
    const { logger, records } = nestLogger('log');
    logger.debug('hidden', 'Ctx');
    logger.verbose('hidden', 'Ctx');
    logger.log('shown', 'Ctx');
    expect(records().map((record) => record['msg'])).toEqual(['shown']);
  });

  it("gets Nest's boot lines, and a failed start's error with its stack, when given to NestFactory", async () => {
    const booted = nestLogger('log');
    const app = await NestFactory.createApplicationContext(EmptyModule, { logger: booted.logger });
    await app.close();
    expect(booted.records()).toContainEqual(
      expect.objectContaining({ level: 'info', context: 'NestFactory', msg: 'Starting Nest application...' }),
    );

    const failed = nestLogger('log');
    await expect(
      NestFactory.createApplicationContext(FailingModule, { logger: failed.logger, abortOnError: false }),
    ).rejects.toThrow('the database refused the connection');
    expect(failed.records()).toContainEqual(
      expect.objectContaining({
        level: 'error',
        err: expect.objectContaining({ stack: expect.stringMatching(/^Error: the database refused the connection\n\s+at /) }),
      }),
    );
  });
});
