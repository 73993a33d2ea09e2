import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { imageConfig, parseVersions } from './base-image.builder';
import {
  baseImageCacheDir,
  baseImageKey,
  type CachedBaseImage,
  pruneBaseImageCache,
  RECORD_FILE,
  touchCacheEntry,
  withLock,
} from './base-image.cache';
import { BASE_IMAGES } from './definitions';

const MIRROR = 'http://deb.debian.org/debian';

describe('the embedded base images', () => {
  it('one or more per stack, each stack’s first being its default, every name what the image holds', () => {
    expect(BASE_IMAGES.map((image) => `${image.stack} ${image.repository}:${image.tag}`)).toEqual([
      'JAVA eclipse-temurin:17-jre',
      'JAVA eclipse-temurin:21-jre',
      'TOMCAT tomcat:10.1-jre17',
      'NODEJS node:20-slim',
      'PYTHON python:3.13-slim',
      'PHP php:8.4-apache',
    ]);
    for (const image of BASE_IMAGES) {
      expect(image.labelled.every((name) => image.packages.includes(name))).toBe(true);
      expect(image.config.Env?.some((entry) => entry.startsWith('PATH='))).toBe(true);
    }
  });

  it('keeps the official images’ runtime settings: paths, commands, ports, stop signal', () => {
    const byName = Object.fromEntries(BASE_IMAGES.map((image) => [`${image.repository}:${image.tag}`, image]));
    expect(byName['tomcat:10.1-jre17'].config).toMatchObject({
      Cmd: ['catalina.sh', 'run'],
      WorkingDir: '/usr/local/tomcat',
      ExposedPorts: { '8080/tcp': {} },
    });
    expect(byName['tomcat:10.1-jre17'].config.Env).toContain('CATALINA_HOME=/usr/local/tomcat');
    expect(byName['php:8.4-apache'].config).toMatchObject({
      Entrypoint: ['docker-php-entrypoint'],
      Cmd: ['apache2-foreground'],
      WorkingDir: '/var/www/html',
      ExposedPorts: { '80/tcp': {} },
      StopSignal: 'SIGWINCH',
    });
    expect(byName['node:20-slim'].config).toMatchObject({ Entrypoint: ['docker-entrypoint.sh'], Cmd: ['node'] });
    expect(byName['eclipse-temurin:17-jre'].config.Env).toContain('JAVA_HOME=/opt/java/openjdk');
  });
});

describe('baseImageKey', () => {
  const [definition] = BASE_IMAGES;

  it('is stable for the same inputs and changes with any of them', () => {
    const key = baseImageKey(definition, MIRROR);
    expect(baseImageKey({ ...definition }, MIRROR)).toBe(key);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const changed = [
      baseImageKey(definition, 'http://mirror.example/debian'),
      baseImageKey({ ...definition, suite: 'trixie' }, MIRROR),
      baseImageKey({ ...definition, packages: [...definition.packages, 'curl'] }, MIRROR),
      baseImageKey({ ...definition, layout: `${definition.layout}\ntrue` }, MIRROR),
      baseImageKey({ ...definition, config: { ...definition.config, Cmd: ['jshell'] } }, MIRROR),
      baseImageKey({ ...definition, tag: '17-jre-other' }, MIRROR),
    ];
    expect(new Set([key, ...changed]).size).toBe(changed.length + 1);
  });
});

describe('baseImageCacheDir', () => {
  it('is outside any data folder: STAGECRAFT_CACHE_DIR, else XDG_CACHE_HOME, else ~/.cache', () => {
    expect(baseImageCacheDir({ STAGECRAFT_CACHE_DIR: '/c' })).toBe('/c/base-images');
    expect(baseImageCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/stagecraft/base-images');
    expect(baseImageCacheDir({ HOME: '/h' })).toMatch(/\/\.cache\/stagecraft\/base-images$/);
  });
});

describe('imageConfig', () => {
  const tomcat = BASE_IMAGES.find((image) => image.stack === 'TOMCAT')!;
  const versions = parseVersions('tomcat10=10.1.40-1~deb12u1\nopenjdk-17-jre-headless=17.0.15+6-1~deb12u1\n');

  it('labels the image with what it holds: the Debian versions, the suite, the official name', () => {
    const config = imageConfig(tomcat, versions, `sha256:${'1'.repeat(64)}`);
    expect(config.config?.Labels).toMatchObject({
      'org.opencontainers.image.title': 'tomcat:10.1-jre17',
      'org.opencontainers.image.version': '10.1.40-1~deb12u1',
      'org.opencontainers.image.base.name': 'debian:bookworm',
      'io.stagecraft.base-image.packages': 'tomcat10=10.1.40-1~deb12u1 openjdk-17-jre-headless=17.0.15+6-1~deb12u1',
    });
    expect(config.rootfs.diff_ids).toEqual([`sha256:${'1'.repeat(64)}`]);
    expect(config.config?.Cmd).toEqual(['catalina.sh', 'run']);
  });

  it('refuses an image whose named packages Debian did not install', () => {
    expect(() => imageConfig(tomcat, { tomcat10: '10.1' }, 'sha256:x')).toThrow('Debian did not install openjdk-17-jre-headless');
  });
});

describe('withLock', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'stagecraft-lock-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('runs one holder at a time; the second waits for the first', async () => {
    const order: string[] = [];
    const lock = join(dir, 'image.lock');
    let waited = false;
    const first = withLock(lock, async () => {
      order.push('first start');
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      order.push('first end');
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = withLock(
      lock,
      async () => void order.push('second'),
      () => (waited = true),
    );
    await Promise.all([first, second]);
    expect(order).toEqual(['first start', 'first end', 'second']);
    expect(waited).toBe(true);
  });

  it('takes over a lock whose process is gone', async () => {
    const lock = join(dir, 'image.lock');
    await writeFile(lock, '999999999');
    await withLock(lock, async () => expect(await readFile(lock, 'utf8')).toBe(String(process.pid)));
  });
});

describe('pruneBaseImageCache', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'stagecraft-prune-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const DAY = 24 * 60 * 60 * 1000;
  const key = (n: number) => String(n).repeat(64);
  async function entry(name: string, usedDaysAgo: number, now: Date): Promise<void> {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, RECORD_FILE), '{}');
    const used = new Date(now.getTime() - usedDaysAgo * DAY);
    await utimes(join(dir, name, RECORD_FILE), used, used);
    await utimes(join(dir, name), used, used);
  }

  it('removes entries nobody used for 30 days and dead builds; keeps current, recent and locked ones', async () => {
    const now = new Date('2026-12-04T00:00:00Z');
    await entry(key(1), 90, now); // current: kept however old
    await entry(key(2), 31, now); // another version's, unused: removed
    await entry(key(3), 5, now); // another version's, used lately (another checkout): kept
    await entry(key(4), 60, now); // unused, but a live process is building it again: kept
    await writeFile(join(dir, `${key(4)}.lock`), String(process.pid));
    await entry(`${key(5)}.partial-abc`, 2, now); // a build that died: removed
    await entry(`${key(6)}.partial-def`, 0, now); // a build under way: kept
    await writeFile(join(dir, 'notes.txt'), 'not ours');

    const removed = await pruneBaseImageCache(dir, new Set([key(1)]), now);

    expect(removed.sort()).toEqual([key(2), `${key(5)}.partial-abc`]);
    expect((await readdir(dir)).sort()).toEqual(
      [key(1), key(3), key(4), `${key(4)}.lock`, `${key(6)}.partial-def`, 'notes.txt'].sort(),
    );
  });

  it('a used entry is touched: its 30 days start again', async () => {
    const now = new Date('2026-12-04T00:00:00Z');
    await entry(key(7), 45, now);
    await touchCacheEntry({ dir: join(dir, key(7)) } as CachedBaseImage, now);
    expect(await pruneBaseImageCache(dir, new Set(), now)).toEqual([]);
  });
});
