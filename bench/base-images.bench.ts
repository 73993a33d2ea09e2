/**
 * The embedded base images (libs/base-images): how long the first `npm start` on a machine takes to
 * build them from Debian packages (cold, an empty cache, two at a time as the launcher builds
 * them), how long a later start takes to find them (warm, the cache full) and to push them into a
 * fresh registry (what a new STAGECRAFT_DATA_DIR costs), and how large each image is. Issue 11,
 * item 6; the goal is a first start of at most 5 minutes.
 *
 *   node -r ./bench/register.cjs bench/base-images.bench.ts
 *
 * Environment: BENCH_CACHE_DIR (default: a fresh temporary folder, removed at the end; name the
 * user's cache, ~/.cache/stagecraft/base-images, to fill it while measuring). Needs mmdebstrap,
 * docker-registry, root, and Debian's mirror.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type CachedBaseImage, prepareBaseImages, seedBaseImages } from '@stagecraft/base-images';
import { RegistryClient } from '@stagecraft/oci';
import { startTestRegistry } from '@stagecraft/oci/testing';

import { describeEnvironment, markdownTable, passFail, round, writeResults } from './support/bench-report';

const TARGET = { firstStartSeconds: 300 };
const MiB = 1024 * 1024;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function main(): Promise<void> {
  const given = process.env['BENCH_CACHE_DIR'];
  const cacheDir = given ?? mkdtempSync(join(tmpdir(), 'stagecraft-bench-base-images-'));
  const emptyAtStart = readdirSync(cacheDir, { withFileTypes: true }).length === 0;
  const builtIn = new Map<string, number>();
  const startedAt = new Map<string, number>();
  const onProgress = (line: string) => {
    console.log(line);
    const building = /^Building base image (\S+) /.exec(line);
    if (building) startedAt.set(building[1], Date.now());
    const built = /^Built base image (\S+) /.exec(line);
    if (built) builtIn.set(built[1], (Date.now() - startedAt.get(built[1])!) / 1000);
  };
  try {
    const cold = await timed(() => prepareBaseImages({ cacheDir, onProgress }));
    const warm = await timed(() => prepareBaseImages({ cacheDir, onProgress }));
    const registry = await startTestRegistry();
    let seed: { value: unknown; seconds: number };
    let reseed: { value: unknown; seconds: number };
    try {
      const client = new RegistryClient({ registry: registry.host });
      seed = await timed(() => seedBaseImages(client, cold.value));
      reseed = await timed(() => seedBaseImages(client, warm.value));
    } finally {
      await registry.stop();
    }
    const name = (image: CachedBaseImage) => `${image.definition.repository}:${image.definition.tag}`;
    const rows = cold.value.map((image) => ({
      image: name(image),
      suite: image.definition.suite,
      buildSeconds: builtIn.has(name(image)) ? round(builtIn.get(name(image))!, 1) : null,
      compressedMiB: round(image.layer.size / MiB, 1),
    }));
    const firstStart = cold.seconds + seed.seconds;
    console.log(
      `\n${describeEnvironment()}; cache ${cacheDir}${emptyAtStart ? ' (empty at start: a cold build)' : ' (NOT empty at start)'}\n`,
    );
    console.log(
      markdownTable(
        ['image', 'Debian', 'build s (2 at a time)', 'compressed MiB'],
        rows.map((row) => [row.image, row.suite, row.buildSeconds ?? 'cached', row.compressedMiB]),
      ),
    );
    console.log(
      `\n${markdownTable(
        ['step', 'seconds'],
        [
          ['cold: build every image (empty cache)', round(cold.seconds, 1)],
          ['warm: find every image in the cache', round(warm.seconds, 2)],
          ['push into a fresh registry (new data folder)', round(seed.seconds, 1)],
          ['push again (everything there)', round(reseed.seconds, 2)],
        ],
      )}`,
    );
    const ok = !emptyAtStart || firstStart <= TARGET.firstStartSeconds;
    console.log(
      `\nfirst start (build + push) ${round(firstStart, 1)} s, goal ≤ ${TARGET.firstStartSeconds} s: ${emptyAtStart ? passFail(ok) : 'not measured (the cache was not empty)'}`,
    );
    const file = writeResults('base-images', rows, {
      target: TARGET,
      method:
        'prepareBaseImages twice on one cache folder (cold, then warm), then seedBaseImages into a fresh docker-registry twice',
      cacheDir,
      coldCache: emptyAtStart,
      coldSeconds: round(cold.seconds, 2),
      warmSeconds: round(warm.seconds, 3),
      seedSeconds: round(seed.seconds, 2),
      reseedSeconds: round(reseed.seconds, 3),
      firstStartSeconds: round(firstStart, 2),
    });
    console.log(`results: ${file}`);
    if (!ok) process.exitCode = 1;
  } finally {
    if (!given) rmSync(cacheDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
