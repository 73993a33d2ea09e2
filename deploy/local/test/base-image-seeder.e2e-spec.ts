// The launcher's base-image seeder is a child process (src/base-image-seeder.ts): what it needs
// for pushing stays out of the launcher's memory. Its happy path is every launcher spec (the base
// images are in the registry when the endpoint is printed); here, its failures reach the launcher
// as the seeder's own message, and a stopped seeder leaves nothing running. The compiled seeder
// runs, as under `npm start`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BaseImageSeeder, SeedTarget } from '../src/base-image-seeder';
import { PREPARE_TIMEOUT_MS, prepareLauncher, ROOT } from './launcher-process';
import { isAlive } from './process-tree';

const alive = (pid: number | undefined) => pid !== undefined && isAlive(pid);

describe('the launcher’s base-image seeder', () => {
  let startBaseImageSeeder: () => BaseImageSeeder;
  let folder: string;

  beforeAll(async () => {
    await prepareLauncher();
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled seeder, as `npm start` runs it
    ({ startBaseImageSeeder } = require(join(ROOT, 'dist', 'deploy', 'local', 'src', 'base-image-seeder.js')) as {
      startBaseImageSeeder: () => BaseImageSeeder;
    });
    folder = mkdtempSync(join(tmpdir(), 'stagecraft-seeder-'));
  }, PREPARE_TIMEOUT_MS);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('fails with the seeder’s own message, naming what it could not read, and ends', async () => {
    const seeder = startBaseImageSeeder();
    const target: SeedTarget = {
      registry: '127.0.0.1:9',
      keyFile: join(folder, 'missing-key.pem'),
      certificateFile: join(folder, 'missing-certificate.pem'),
      issuer: 'stagecraft-iam',
      service: 'stagecraft-registry',
    };
    await expect(seeder.seed(target)).rejects.toThrow(/ENOENT.*missing-key\.pem/);
    await seeder.ended;
    expect(alive(seeder.pid)).toBe(false);
  });

  it('stops when the launcher stops before the registry is up, and says it pushed nothing', async () => {
    const seeder = startBaseImageSeeder();
    expect(alive(seeder.pid)).toBe(true);
    await seeder.stop();
    expect(alive(seeder.pid)).toBe(false);
    await expect(
      seeder.seed({ registry: '127.0.0.1:9', keyFile: '', certificateFile: '', issuer: '', service: '' }),
    ).rejects.toThrow('the base-image seeder ended (SIGTERM) before it pushed');
  });
});
