import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { deferModule } from './deferred-module';

describe('deferModule', () => {
  /** A module cache of our own, and a loader that counts what it loads and enters it, as Node's does. */
  function moduleSystem() {
    const cache: Record<string, NodeJS.Module | undefined> = {};
    const loaded: string[] = [];
    const load = (file: string) => {
      loaded.push(file);
      const exports = { parse: (text: string) => `parsed ${text}`, version: 7 };
      cache[file] = { exports } as NodeJS.Module;
      return exports;
    };
    return { cache, loaded, load };
  }
  const phoneNumbers = require.resolve('libphonenumber-js/max', { paths: [require.resolve('class-validator')] });

  it('leaves a stand-in that loads the real module the first time anything reads from it, and only then', () => {
    const { cache, loaded, load } = moduleSystem();
    expect(deferModule('libphonenumber-js/max', 'class-validator', cache, load)).toBe(true);
    const standIn = cache[phoneNumbers]!.exports as { parse(text: string): string; version: number };
    expect(loaded).toEqual([]);

    expect(standIn.parse('+1')).toBe('parsed +1');
    expect(standIn.version).toBe(7);
    expect('parse' in standIn).toBe(true);
    expect(Object.keys(standIn)).toEqual(['parse', 'version']);
    expect(loaded).toEqual([phoneNumbers]);
    // The real module took the cache entry: later requires skip the stand-in.
    expect(cache[phoneNumbers]!.exports).not.toBe(standIn);
  });

  it('changes nothing when the module is loaded already, or a package is not installed', () => {
    const { cache, loaded, load } = moduleSystem();
    const real = { exports: {} } as NodeJS.Module;
    cache[phoneNumbers] = real;
    expect(deferModule('libphonenumber-js/max', 'class-validator', cache, load)).toBe(false);
    expect(cache[phoneNumbers]).toBe(real);
    expect(deferModule('libphonenumber-js/max', 'no-such-package', cache, load)).toBe(false);
    expect(deferModule('no-such-module', 'class-validator', cache, load)).toBe(false);
    expect(loaded).toEqual([]);
  });

  it("keeps the stand-in usable by code that copies its properties (TypeScript's __importStar)", () => {
    const { cache, load } = moduleSystem();
    deferModule('libphonenumber-js/max', 'class-validator', cache, load);
    const copy = { ...(cache[phoneNumbers]!.exports as object) } as { version: number };
    expect(copy.version).toBe(7);
  });
});

describe('defer-unused-modules, in a real Node process', () => {
  const root = join(__dirname, '..', '..', '..', '..');
  /** Runs `script` in a fresh Node after the deferral, as every main.ts does; returns what it prints (JSON). */
  function inNode(script: string): unknown {
    const prelude = `
      require('./libs/observability/src/defer-unused-modules.ts');
      // A stand-in is one cache entry; a library, loaded, is more.
      const loaded = (folder) => Object.keys(require.cache).filter((file) => file.includes(folder)).length > 1;`;
    const output = execFileSync(process.execPath, ['-r', './bench/register.cjs', '-e', prelude + script], {
      cwd: root,
      encoding: 'utf8',
    });
    return JSON.parse(output);
  }

  it('keeps libphonenumber-js out of a process that loads class-validator, until a phone number is validated', () => {
    const result = inNode(`
      const validator = require('class-validator');
      const before = loaded('/libphonenumber-js/');
      const valid = validator.isPhoneNumber('+14155552671') && !validator.isPhoneNumber('12');
      console.log(JSON.stringify({ before, valid, after: loaded('/libphonenumber-js/') }));`);
    expect(result).toEqual({ before: false, valid: true, after: true });
  });

  it("keeps TypeORM's other drivers out of a process that loads TypeORM, and loads one when it is asked for", () => {
    // A driver's query runner loads with the driver: the largest part of each.
    const result = inNode(`
      require('typeorm');
      const runner = (path) => Object.keys(require.cache).some((file) => file.endsWith('/typeorm/driver/' + path + '.js'));
      const before = ['mysql/MysqlQueryRunner', 'sqlserver/SqlServerQueryRunner', 'mongodb/MongoQueryRunner'].filter(runner);
      const postgres = runner('postgres/PostgresQueryRunner');
      const { MysqlDriver } = require('typeorm/driver/mysql/MysqlDriver');
      console.log(JSON.stringify({ before, postgres, mysql: typeof MysqlDriver, after: runner('mysql/MysqlQueryRunner') }));`);
    expect(result).toEqual({ before: [], postgres: true, mysql: 'function', after: true });
  });
});
