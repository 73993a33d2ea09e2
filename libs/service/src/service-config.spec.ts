import { loadConfig } from '@stagecraft/config';

import { ServiceConfig } from './service-config';

class ExampleConfig extends ServiceConfig {
  override DATABASE_SCHEMA = 'example';
}

const SEED = 'SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4';

describe('ServiceConfig', () => {
  it("gives every service the database, schema, NATS and log settings, with the service's own schema default", () => {
    const config = loadConfig(ExampleConfig, { DATABASE_URL: 'postgres://db/stagecraft', NATS_NKEY_SEED: SEED });
    expect(config).toMatchObject({
      DATABASE_URL: 'postgres://db/stagecraft',
      DATABASE_SCHEMA: 'example',
      LOG_LEVEL: 'log',
      LOG_FORMAT: 'auto',
      NATS_URL: 'nats://127.0.0.1:4222',
    });
  });

  it('keeps the rules of the base for every service: the variable and the rule are named', () => {
    expect(() => loadConfig(ExampleConfig, { DATABASE_URL: 'postgres://db/x', DATABASE_SCHEMA: 'Bad-Schema' })).toThrow(
      /DATABASE_SCHEMA/,
    );
    expect(() => loadConfig(ExampleConfig, { DATABASE_URL: 'postgres://db/x', LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig(ExampleConfig, { DATABASE_URL: 'postgres://db/x', LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
    expect(loadConfig(ExampleConfig, { DATABASE_URL: 'postgres://db/x', LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
    expect(() => loadConfig(ExampleConfig, {})).toThrow(/DATABASE_URL/);
  });
});
