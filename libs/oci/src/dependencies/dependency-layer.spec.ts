import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { readTarEntries } from '../testing/layer-reader';
import { buildDependencyLayer } from './dependency-layer';

describe('buildDependencyLayer', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stagecraft-deps-layer-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** node_modules as npm leaves it: a package, a .bin link into it, npm's hidden lockfile. */
  const install = async (root: string, mtime: Date) => {
    await mkdir(join(root, 'is-number', 'bin'), { recursive: true });
    await writeFile(join(root, 'is-number', 'index.js'), 'module.exports = (n) => typeof n === "number";\n');
    await writeFile(join(root, 'is-number', 'bin', 'cli.js'), '#!/usr/bin/env node\n', { mode: 0o775 });
    await writeFile(join(root, '.package-lock.json'), '{}\n', { mode: 0o664 });
    await mkdir(join(root, '.bin'));
    await symlink('../is-number/bin/cli.js', join(root, '.bin', 'is-number'));
    for (const path of ['is-number/index.js', 'is-number/bin/cli.js', '.package-lock.json'])
      await utimes(join(root, path), mtime, mtime);
  };

  it('is deterministic: the same installed files give the same digest, whenever and under whatever umask they were written', async () => {
    await install(join(dir, 'a'), new Date('2020-01-01'));
    await install(join(dir, 'b'), new Date('2024-06-01'));
    await chmod(join(dir, 'b', 'is-number'), 0o775);
    const a = await buildDependencyLayer(join(dir, 'a'), { outputDir: '/app/node_modules' }, join(dir, 'a.tar.gz'));
    const b = await buildDependencyLayer(join(dir, 'b'), { outputDir: '/app/node_modules' }, join(dir, 'b.tar.gz'));
    expect(b.digest).toBe(a.digest);
    expect(b.diffId).toBe(a.diffId);
    expect(a).toMatchObject({ files: 3, size: (await readFile(join(dir, 'a.tar.gz'))).length });

    const entries = await readTarEntries(await readFile(join(dir, 'a.tar.gz')));
    const byName = new Map(entries.map((e) => [e.header.name, e.header]));
    expect(entries.map((e) => e.header.name)).toEqual([
      'app/',
      'app/node_modules/',
      'app/node_modules/.bin/',
      'app/node_modules/.bin/is-number',
      'app/node_modules/.package-lock.json',
      'app/node_modules/is-number/',
      'app/node_modules/is-number/bin/',
      'app/node_modules/is-number/bin/cli.js',
      'app/node_modules/is-number/index.js',
    ]);
    expect(byName.get('app/node_modules/.bin/is-number')).toMatchObject({ type: 'symlink', linkname: '../is-number/bin/cli.js' });
    expect(byName.get('app/node_modules/is-number/bin/cli.js')?.mode).toBe(0o755);
    expect(byName.get('app/node_modules/.package-lock.json')?.mode).toBe(0o644);
    expect(byName.get('app/node_modules/is-number/')?.mode).toBe(0o755);
    expect(byName.get('app/node_modules/is-number/index.js')).toMatchObject({ uid: 0, gid: 0 });
    expect(byName.get('app/node_modules/is-number/index.js')?.mtime?.getTime()).toBe(0);
  });

  it('owns the files as asked (the package files’ owner)', async () => {
    await install(join(dir, 'a'), new Date());
    await buildDependencyLayer(join(dir, 'a'), { outputDir: '/app/node_modules' }, join(dir, 'a.tar.gz'), {
      uid: 1000,
      gid: 1000,
    });
    const entries = await readTarEntries(await readFile(join(dir, 'a.tar.gz')));
    expect(new Set(entries.map((e) => `${e.header.uid}:${e.header.gid}`))).toEqual(new Set(['1000:1000']));
  });

  it.each<[string, (root: string) => Promise<void>, RegExp]>([
    ['a symlink out of the folder', (root) => symlink('/etc/shadow', join(root, 'leak')), /a symlink that leaves .* absolute/],
    ['a relative symlink climbing out', (root) => symlink('../../../etc', join(root, 'up')), /points outside/],
    [
      'a FIFO',
      async (root) => {
        execFileSync('mkfifo', [join(root, 'pipe')]);
      },
      /\/app\/node_modules\/pipe, which is neither a file, a folder nor a symlink/,
    ],
  ])('refuses %s: DEPENDENCY_INSTALL_FAILED', async (_what, plant, message) => {
    await install(join(dir, 'a'), new Date());
    await plant(join(dir, 'a'));
    await expect(
      buildDependencyLayer(join(dir, 'a'), { outputDir: '/app/node_modules' }, join(dir, 'a.tar.gz')),
    ).rejects.toMatchObject({ code: 'DEPENDENCY_INSTALL_FAILED', message: expect.stringMatching(message) });
  });

  it('refuses files the install did not write (another owner), a missing folder, and more than the limits', async () => {
    await install(join(dir, 'a'), new Date());
    const layer = (options = {}) =>
      buildDependencyLayer(join(dir, 'a'), { outputDir: '/app/node_modules' }, join(dir, 'a.tar.gz'), options);
    await expect(layer({ owner: 4242 })).rejects.toMatchObject({
      message: expect.stringMatching(/owned by uid \d+, not the install's/),
    });
    await expect(layer({ limits: { maxEntries: 3 } })).rejects.toMatchObject({
      message: expect.stringMatching(/more than 3 files/),
    });
    await expect(layer({ limits: { maxTotalBytes: 10 } })).rejects.toMatchObject({
      message: expect.stringMatching(/more than 10 bytes/),
    });
    await expect(
      buildDependencyLayer(join(dir, 'none'), { outputDir: '/app/node_modules' }, join(dir, 'x.tar.gz')),
    ).rejects.toMatchObject({ code: 'DEPENDENCY_INSTALL_FAILED', message: 'the install left no folder /app/node_modules' });
  });
});
