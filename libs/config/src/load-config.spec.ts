import { IsBoolean, IsInt, IsOptional, IsString, Min } from 'class-validator';

import { ConfigError, configKeys, loadConfig } from './load-config';

class ExampleConfig {
  @IsString() DATABASE_URL!: string;
  @IsInt() @Min(1) PORT = 4000;
  @IsBoolean() VERBOSE = false;
  @IsOptional() @IsString() SECRET_KEY?: string;
}

describe('loadConfig', () => {
  it('lists the variables a config class reads', () => {
    expect(configKeys(ExampleConfig)).toEqual(['DATABASE_URL', 'PORT', 'SECRET_KEY', 'VERBOSE']);
  });

  it('applies defaults, converts numbers and booleans, and ignores other variables', () => {
    const config = loadConfig(ExampleConfig, { DATABASE_URL: 'postgres://x', VERBOSE: 'true', HOME: '/root' });
    expect(config).toEqual(Object.assign(new ExampleConfig(), { DATABASE_URL: 'postgres://x', PORT: 4000, VERBOSE: true }));
    expect(loadConfig(ExampleConfig, { DATABASE_URL: 'x', PORT: '8080' }).PORT).toBe(8080);
  });

  it('reports every problem at once, naming the variable but never its value', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(ExampleConfig, { PORT: 'eighty', VERBOSE: 'perhaps', SECRET_KEY: '' });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect([...error!.problems].sort()).toEqual([
      'DATABASE_URL: fails isString',
      'PORT: fails isInt',
      'PORT: fails min',
      'VERBOSE: fails isBoolean',
    ]);
    expect(error!.message).not.toContain('eighty');
  });
});
