import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

import type { ImageConfig } from '@stagecraft/oci';

import type { BaseImageDefinition } from './definitions';

/** Bumped when the way images are built changes: every key changes with it. */
export const BUILDER_VERSION = 1;
export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';

/** A built base image in the cache: one layer (the root file system) and its config. */
export interface CachedBaseImage {
  definition: BaseImageDefinition;
  key: string;
  dir: string;
  layer: { file: string; digest: string; diffId: string; size: number };
  /** The config blob, as pushed. */
  config: Buffer;
}

/** The record a finished entry holds beside its blobs. */
export interface CacheRecord {
  key: string;
  layer: { digest: string; diffId: string; size: number };
  /** Seconds the build took and the Debian package versions, for the log and the benchmark. */
  buildSeconds: number;
  versions: Record<string, string>;
}

export const LAYER_FILE = 'rootfs.tar.gz';
export const CONFIG_FILE = 'config.json';
export const RECORD_FILE = 'image.json';

/**
 * `$STAGECRAFT_CACHE_DIR/base-images`, or `$XDG_CACHE_HOME/stagecraft/base-images`, or
 * `~/.cache/stagecraft/base-images`: outside any data folder, so a new STAGECRAFT_DATA_DIR starts
 * from images built before.
 */
export function baseImageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['STAGECRAFT_CACHE_DIR']) return join(env['STAGECRAFT_CACHE_DIR'], 'base-images');
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'stagecraft', 'base-images');
}

/** What went into an image: the same definition, mirror and builder give the same key. */
export function baseImageKey(definition: BaseImageDefinition, mirror: string): string {
  const identity = {
    builder: BUILDER_VERSION,
    mirror,
    suite: definition.suite,
    packages: definition.packages,
    npmPacks: definition.npmPacks ?? [],
    labelled: definition.labelled,
    layout: definition.layout,
    config: definition.config,
    repository: definition.repository,
    tag: definition.tag,
    description: definition.description,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

/** The finished entry under `dir`, or null when it is missing or incomplete (never half of one). */
export async function readCacheEntry(definition: BaseImageDefinition, key: string, dir: string): Promise<CachedBaseImage | null> {
  try {
    const record = JSON.parse(await readFile(join(dir, RECORD_FILE), 'utf8')) as CacheRecord;
    const layerFile = join(dir, LAYER_FILE);
    if (record.key !== key || (await stat(layerFile)).size !== record.layer.size) return null;
    const config = await readFile(join(dir, CONFIG_FILE));
    JSON.parse(config.toString('utf8')) as ImageConfig;
    return { definition, key, dir, layer: { file: layerFile, ...record.layer }, config };
  } catch {
    return null;
  }
}

/** Marks an entry as used now: pruneBaseImageCache keeps what any checkout used lately. */
export async function touchCacheEntry(entry: CachedBaseImage, now = new Date()): Promise<void> {
  await utimes(join(entry.dir, RECORD_FILE), now, now).catch(() => undefined);
}

/** Entries no checkout used for this long are removed (another Stagecraft version may still use a recent one). */
export const UNUSED_ENTRY_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Removes what the cache no longer needs: entries whose key is not in `keep` and that nobody used
 * (touchCacheEntry) for `UNUSED_ENTRY_DAYS`, and folders of builds that died (`.partial-*`, a day
 * old) with their locks when no live process holds them. Answers the names removed.
 */
export async function pruneBaseImageCache(cacheDir: string, keep: ReadonlySet<string>, now = new Date()): Promise<string[]> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const path = join(cacheDir, name);
    const entryKey = /^[0-9a-f]{64}$/.test(name) ? name : null;
    const partial = /^([0-9a-f]{64})\.partial-/.exec(name);
    let stale = false;
    if (entryKey && !keep.has(entryKey)) {
      const used = await stat(join(path, RECORD_FILE)).catch(() => stat(path).catch(() => null));
      stale = !used || now.getTime() - used.mtimeMs > UNUSED_ENTRY_DAYS * DAY_MS;
    } else if (partial) {
      const made = await stat(path).catch(() => null);
      stale = !made || now.getTime() - made.mtimeMs > DAY_MS;
    }
    if (!stale) continue;
    const lock = `${join(cacheDir, entryKey ?? partial![1])}.lock`;
    const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (holder && isAlive(holder)) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

const LOCK_POLL_MS = 1_000;

/**
 * Holds `<path>` (a file naming this process) while `work` runs, so two launchers (or two test
 * workers) starting at once build an image once: the second waits, then finds it built. A lock
 * whose process is gone is taken over.
 */
export async function withLock<T>(path: string, work: () => Promise<T>, onWait?: () => void): Promise<T> {
  await mkdir(join(path, '..'), { recursive: true });
  let waited = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (holder && !isAlive(holder)) {
        await rm(path, { force: true });
        continue;
      }
      if (!waited) onWait?.();
      waited = true;
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
