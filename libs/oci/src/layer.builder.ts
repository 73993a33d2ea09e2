import { createWriteStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import * as tar from 'tar-stream';

import { DigestingStream } from './digest';
import { GzipHeaderNormalizer } from './gzip-header';
import { type LayerEntry, LayerError } from './layer-entry';
import { planLayer, type PlannedEntry } from './layer-plan';

export interface LayerBuildOptions {
  /** Modification time of every entry, in seconds since the epoch: 0, or SOURCE_DATE_EPOCH. */
  mtime?: number;
  /** Owner of every entry (directories may set their own); 0 by default. */
  uid?: number;
  gid?: number;
  /** For entries without a mode and implied parent directories: 0644 and 0755 by default. */
  fileMode?: number;
  directoryMode?: number;
  /**
   * `gzip` (the default) or `none`: a plain tar (`…layer.v1.tar`), for contents that are
   * compressed already (a JAR or WAR), where gzip costs a pass over every byte and saves nothing.
   */
  compression?: LayerCompression;
  /** zlib level 0–9 when gzip'd; 6 by default. */
  gzipLevel?: number;
}

export type LayerCompression = 'gzip' | 'none';

export interface LayerDigests {
  /** `sha256:` of the blob (the gzip bytes, or the tar when uncompressed): its digest in the manifest. */
  digest: string;
  /** Bytes of the blob. */
  size: number;
  compression: LayerCompression;
  /** `sha256:` of the uncompressed tar: the entry in the config's `rootfs.diff_ids`. */
  diffId: string;
  uncompressedSize: number;
  /** Tar entries written, implied parent directories included. */
  entries: number;
}

export interface LayerStream {
  /** The blob (a gzip'd or a plain tar); read it to the end (or destroy it). Its `digest` is known once it ended. */
  stream: DigestingStream;
  /** Settles once `stream` has ended: the digests, or the failure that ended it. */
  digests: Promise<LayerDigests>;
}

export const DEFAULT_GZIP_LEVEL = 6;

/** SOURCE_DATE_EPOCH as a layer mtime; undefined when unset, an error when not a whole number. */
export function parseSourceDateEpoch(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new LayerError(`SOURCE_DATE_EPOCH must be whole seconds since the epoch, not "${value}"`);
  return Number(value);
}

/**
 * A deterministic layer as a stream: a ustar tar (PAX records only for long or non-ASCII names)
 * with sorted entries, implied parents, one fixed mtime, numeric owners and no owner names, then
 * gzip with a pinned header (unless uncompressed: then one hash serves as digest and diff id).
 * The same entries and options give the same bytes. File contents are
 * streamed one at a time, so memory stays flat whatever the layer's size.
 */
export function createLayerStream(entries: readonly LayerEntry[], options: LayerBuildOptions = {}): LayerStream {
  const planned = planLayer(entries, {
    uid: options.uid ?? 0,
    gid: options.gid ?? 0,
    fileMode: options.fileMode ?? 0o644,
    directoryMode: options.directoryMode ?? 0o755,
  });
  const mtime = new Date((options.mtime ?? 0) * 1000);
  const pack = tar.pack();
  pack.on('error', () => undefined); // reported through the pipeline below
  const tarDigest = new DigestingStream();
  const written = writeEntries(pack, planned, mtime);
  const compression = options.compression ?? 'gzip';
  const blobDigest = compression === 'none' ? tarDigest : new DigestingStream();

  const gzipStages =
    compression === 'gzip'
      ? [
          createGzip({ level: options.gzipLevel ?? DEFAULT_GZIP_LEVEL, chunkSize: 64 * 1024 }),
          new GzipHeaderNormalizer(),
          blobDigest,
        ]
      : [];
  const ended = new Promise<void>((resolve, reject) => {
    pipeline([Readable.from(pack, { objectMode: false }), tarDigest, ...gzipStages], (err) => (err ? reject(err) : resolve()));
    blobDigest.once('end', resolve);
  });
  const digests = Promise.all([written, ended]).then(() => ({
    digest: blobDigest.digest,
    size: blobDigest.bytes,
    compression,
    diffId: tarDigest.digest,
    uncompressedSize: tarDigest.bytes,
    entries: planned.length,
  }));
  digests.catch(() => undefined); // the caller sees failures through `stream` and `digests`
  written.catch((err: Error) => blobDigest.destroy(err));
  return { stream: blobDigest, digests };
}

/** Writes the layer to `file` while hashing it. */
export async function buildLayerToFile(
  entries: readonly LayerEntry[],
  file: string,
  options?: LayerBuildOptions,
): Promise<LayerDigests> {
  const layer = createLayerStream(entries, options);
  await pipelineAsync(layer.stream, createWriteStream(file));
  return layer.digests;
}

/** The whole layer in memory: for small layers (demo bases, tests). */
export async function buildLayerInMemory(
  entries: readonly LayerEntry[],
  options?: LayerBuildOptions,
): Promise<LayerDigests & { bytes: Buffer }> {
  const layer = createLayerStream(entries, options);
  const parts: Buffer[] = [];
  for await (const chunk of layer.stream) parts.push(chunk as Buffer);
  return { ...(await layer.digests), bytes: Buffer.concat(parts) };
}

async function writeEntries(pack: tar.Pack, planned: PlannedEntry[], mtime: Date): Promise<void> {
  try {
    for (const entry of planned) await writeEntry(pack, entry, mtime);
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
}

async function writeEntry(pack: tar.Pack, entry: PlannedEntry, mtime: Date): Promise<void> {
  const header: tar.Header = {
    name: entry.type === 'directory' ? `${entry.path}/` : entry.path, // as docker and Go's archive/tar write them
    type: entry.type,
    mode: entry.mode,
    uid: entry.uid,
    gid: entry.gid,
    uname: '',
    gname: '',
    mtime,
    size: entry.type === 'file' ? entry.size : 0,
    linkname: entry.type === 'symlink' ? entry.target : '',
    devmajor: 0,
    devminor: 0,
  };
  let finish!: (err?: Error | null) => void;
  const done = new Promise<void>((resolve, reject) => (finish = (err) => (err ? reject(err) : resolve())));
  done.catch(() => undefined); // after a failure below nobody awaits it; the failure is thrown instead
  if (entry.type !== 'file') {
    pack.entry(header, finish);
    return done;
  }
  if ('content' in entry) {
    pack.entry(header, entry.content, finish);
    return done;
  }
  const sink = pack.entry(header, finish);
  sink.on('error', () => undefined); // reported through `done` and the pack
  let copied = 0;
  try {
    for await (const chunk of await entry.open()) {
      copied += chunk.byteLength;
      if (copied > entry.size) throw new LayerError(`/${entry.path} has more than its announced ${entry.size} bytes`);
      if (!sink.write(chunk)) await drained(sink);
    }
    if (copied !== entry.size) throw new LayerError(`/${entry.path} has ${copied} bytes, not its announced ${entry.size}`);
  } catch (err) {
    sink.destroy(err as Error);
    throw err;
  }
  sink.end(undefined); // streamx's typings want an argument
  return done;
}

/** Resolves on 'drain'; rejects when the sink closes first (the pack was torn down). */
function drained(sink: NodeJS.EventEmitter): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onDrain = () => {
      sink.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      sink.off('drain', onDrain);
      reject(new LayerError('the layer stream was closed while a file was being written'));
    };
    sink.once('drain', onDrain);
    sink.once('close', onClose);
  });
}
