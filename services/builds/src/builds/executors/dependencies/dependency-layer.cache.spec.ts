import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BuiltDependencyLayer } from '@stagecraft/oci';

import { DependencyLayerCache } from './dependency-layer.cache';

const KEY = `sha256:${'a'.repeat(64)}`;

/** What an install would produce: `bytes` written to the file the cache hands out. */
const layerOf =
  (bytes: string, digest = `sha256:${'d'.repeat(64)}`) =>
  async (file: string): Promise<BuiltDependencyLayer> => {
    await writeFile(file, bytes);
    return {
      file,
      digest,
      diffId: `sha256:${'e'.repeat(64)}`,
      size: bytes.length,
      uncompressedSize: 10,
      entries: 1,
      files: 1,
      bytes: 10,
    };
  };

describe('DependencyLayerCache', () => {
  let dir: string;
  let cache: DependencyLayerCache;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stagecraft-layer-cache-'));
    cache = new DependencyLayerCache(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('answers null for a key it does not hold, and the layer once it was put', async () => {
    expect(await cache.get(KEY)).toBeNull();
    const put = await cache.put(KEY, layerOf('layer bytes'));
    expect(await cache.get(KEY)).toEqual(put);
    expect(put).toMatchObject({ key: KEY, layer: { digest: `sha256:${'d'.repeat(64)}`, size: 11 }, repositories: [] });
    // The cache folder is this process's own: build users cannot read or plant layers.
    expect((await stat(join(dir, 'dependency-layers'))).mode & 0o777).toBe(0o700);
  });

  it('a build that fails half-way leaves no entry and no partial folder', async () => {
    await expect(
      cache.put(KEY, async (file) => {
        await writeFile(file, 'half');
        throw new Error('npm ci exited with code 1');
      }),
    ).rejects.toThrow('npm ci exited with code 1');
    expect(await cache.get(KEY)).toBeNull();
    expect(await readdir(join(dir, 'dependency-layers'))).toEqual([]);
  });

  it('two builds of the same key at once both succeed with one entry', async () => {
    const [first, second] = await Promise.all([cache.put(KEY, layerOf('same')), cache.put(KEY, layerOf('same'))]);
    expect(first.layer).toEqual(second.layer);
    expect(await readdir(join(dir, 'dependency-layers'))).toEqual(['a'.repeat(64)]);
  });

  it('an entry whose layer file does not match its record is not used', async () => {
    const put = await cache.put(KEY, layerOf('twelve bytes'));
    await writeFile(put.layer.file, 'truncated');
    expect(await cache.get(KEY)).toBeNull();
  });

  it('remembers the repositories that hold the layer, newest first, each once', async () => {
    await cache.put(KEY, layerOf('x'));
    await cache.remember(KEY, 'r.example/team/a');
    await cache.remember(KEY, 'r.example/team/b');
    await cache.remember(KEY, 'r.example/team/a');
    expect((await cache.get(KEY))?.repositories).toEqual(['r.example/team/a', 'r.example/team/b']);
  });

  it('refuses what is not a key rather than building a path from it', async () => {
    await expect(cache.get('../../etc/passwd')).rejects.toThrow('not a dependency layer key');
  });
});
