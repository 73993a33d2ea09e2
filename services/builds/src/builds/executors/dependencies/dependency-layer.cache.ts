import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { BuiltDependencyLayer, DependencyLayer } from '@stagecraft/oci';

export interface CachedDependencyLayer {
  key: string;
  layer: DependencyLayer;
  /** `registry/repository` of images pushed with this layer: a build to the same registry mounts it from there. */
  repositories: string[];
}

interface Record {
  key: string;
  digest: string;
  diffId: string;
  size: number;
  entries?: number;
  files?: number;
  bytes?: number;
  createdAt: string;
  repositories: string[];
}

const LAYER_FILE = 'layer.tar.gz';
const RECORD_FILE = 'layer.json';
const MAX_REPOSITORIES = 20;
const KEY = /^sha256:([0-9a-f]{64})$/;

/**
 * Finished dependency layers of LOCAL builds, by dependencyLayerKey (base image digest, tool,
 * command, registry, lockfile or requirements bytes): `<dir>/dependency-layers/<key>/` holds the
 * gzip'd tar and a record. A build whose key is here installs nothing. Entries appear whole
 * (built in a temporary folder, then renamed), so a build that dies half-way leaves no entry, and
 * two builds with the same key at once both succeed (the second rename loses and uses the first).
 * The folder is this process's own (0700): build users cannot read or plant layers.
 */
export class DependencyLayerCache {
  private readonly root: string;

  constructor(dir: string) {
    this.root = join(dir, 'dependency-layers');
  }

  async get(key: string): Promise<CachedDependencyLayer | null> {
    const folder = this.folder(key);
    let record: Record;
    try {
      record = JSON.parse(await readFile(join(folder, RECORD_FILE), 'utf8')) as Record;
      const file = await stat(join(folder, LAYER_FILE));
      if (record.key !== key || file.size !== record.size) return null;
    } catch {
      return null;
    }
    return this.cached(folder, record);
  }

  /** Builds the layer with `build` (into the file it is given) and keeps it under `key`. */
  async put(key: string, build: (file: string) => Promise<BuiltDependencyLayer>): Promise<CachedDependencyLayer> {
    await this.ensureRoot();
    const temporary = join(this.root, `.partial-${randomBytes(8).toString('hex')}`);
    await mkdir(temporary, { mode: 0o700 });
    try {
      const built = await build(join(temporary, LAYER_FILE));
      const record: Record = {
        key,
        digest: built.digest,
        diffId: built.diffId,
        size: built.size,
        entries: built.entries,
        files: built.files,
        bytes: built.bytes,
        createdAt: new Date().toISOString(),
        repositories: [],
      };
      await writeFile(join(temporary, RECORD_FILE), JSON.stringify(record, null, 2), { mode: 0o600 });
      const folder = this.folder(key);
      try {
        await rename(temporary, folder);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
        const existing = await this.get(key);
        if (existing) return existing;
        throw error;
      }
      return this.cached(folder, record);
    } finally {
      await rm(temporary, { recursive: true, force: true });
    }
  }

  /** Notes that an image in `repository` (`registry/repository`) now holds the layer of `key`. */
  async remember(key: string, repository: string): Promise<void> {
    const folder = this.folder(key);
    let record: Record;
    try {
      record = JSON.parse(await readFile(join(folder, RECORD_FILE), 'utf8')) as Record;
    } catch {
      return;
    }
    record.repositories = [repository, ...record.repositories.filter((r) => r !== repository)].slice(0, MAX_REPOSITORIES);
    const partial = join(folder, `.${RECORD_FILE}.${randomBytes(4).toString('hex')}`);
    await writeFile(partial, JSON.stringify(record, null, 2), { mode: 0o600 });
    await rename(partial, join(folder, RECORD_FILE));
  }

  private cached(folder: string, record: Record): CachedDependencyLayer {
    return {
      key: record.key,
      layer: { file: join(folder, LAYER_FILE), digest: record.digest, diffId: record.diffId, size: record.size },
      repositories: record.repositories ?? [],
    };
  }

  private folder(key: string): string {
    const hex = KEY.exec(key)?.[1];
    if (!hex) throw new Error(`not a dependency layer key: ${key}`);
    return join(this.root, hex);
  }

  private async ensureRoot(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await chmod(this.root, 0o700);
  }
}
