import { createGunzip, type Gunzip } from 'node:zlib';

import * as tarStream from 'tar-stream';

import { looksLikeTar, TAR_MAGIC_END } from '../archive-format';
import type { ArchiveGuard } from '../archive-guard';
import { type ArchiveEntrySink, type ArchiveReader, MAX_WANTED_ENTRY_BYTES } from '../archive-reader';
import { ArchiveRejection } from '../archive-rejection';
import { TopFolderTracker } from '../top-folder';
import { tarKind } from './tar-kind';

type TarFormat = 'tar' | 'tar.gz';
type EntryStream = tarStream.ExtractEvents['entry'][1];

/**
 * A tar (optionally gzip'd) read in one pass with tar-stream. Backpressure runs end to end:
 * tar-stream full → gunzip paused → gunzip's input full → `write` waits for 'drain'.
 * Every failure, from zlib or tar-stream, lands in one place (`fail`) and rejects the pending or
 * next call; no stream is ever left without an 'error' listener.
 */
export class TarStreamReader implements ArchiveReader {
  private readonly extract = tarStream.extract();
  private readonly gunzip: Gunzip | null;
  /** Decompressed bytes held back until they show whether a tar is inside the gzip. */
  private head: Buffer[] | null;
  private headBytes = 0;
  private failure: ArchiveRejection | null = null;
  private readonly failed: Promise<never>;
  private rejectFailed!: (err: ArchiveRejection) => void;
  private readonly finished: Promise<void>;
  private readonly top = new TopFolderTracker();
  /** Compressed bytes written so far, and what they inflated to (the ratio of the gzip stream). */
  private packed = 0;
  private unpacked = 0;

  constructor(
    format: TarFormat,
    private readonly sink: ArchiveEntrySink,
    private readonly guard: ArchiveGuard,
  ) {
    this.failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
    this.failed.catch(() => undefined);
    this.finished = new Promise<void>((resolve) => this.extract.on('finish', () => resolve()));

    this.extract.on('error', (err: Error) => this.fail(`corrupt or truncated ${format} archive: ${err.message}`));
    this.extract.on('entry', (header, stream, next) => this.onEntry(header, stream, () => next()));

    if (format === 'tar.gz') {
      this.head = [];
      this.gunzip = createGunzip({ chunkSize: 64 * 1024 }); // fewer, larger hops to the zlib thread pool
      this.gunzip.on('error', (err: Error) => this.fail(`corrupt or truncated ${format} archive: ${err.message}`));
      this.gunzip.on('data', (data: Buffer) => this.onUnpacked(data));
      this.gunzip.on('end', () => this.onUnpackedEnd());
    } else {
      this.head = null;
      this.gunzip = null;
    }
  }

  async write(chunk: Buffer): Promise<void> {
    this.throwIfFailed();
    this.packed += chunk.length;
    const target = this.gunzip ?? this.extract;
    if (!target.write(chunk)) await Promise.race([onceDrained(target), this.failed]);
    this.throwIfFailed();
  }

  async end(): Promise<void> {
    this.throwIfFailed();
    if (this.gunzip) this.gunzip.end();
    else this.extract.end(undefined); // streamx's typings want an argument
    await Promise.race([this.finished, this.failed]);
    this.throwIfFailed();
    this.guard.finish(this.top.folder);
  }

  destroy(): void {
    this.gunzip?.destroy();
    this.extract.destroy();
  }

  private onEntry(header: tarStream.Header, stream: EntryStream, next: () => void): void {
    stream.on('error', () => undefined); // the extractor reports the same failure
    let path: string | null;
    try {
      path = this.guard.entry(header.name, tarKind(header.type), {
        linkTarget: header.linkname ?? '',
        typeName: header.type ?? undefined,
      });
    } catch (err) {
      this.fail((err as Error).message);
      return;
    }
    if (path !== null) this.top.add(path, header.type === 'directory');
    const isDirectory = header.type === 'directory';
    const wanted = this.sink.entry(header.name, isDirectory) && header.type === 'file';
    if (isDirectory) {
      // tar-stream never ends the body stream of a directory that claims a size; don't wait for it.
      stream.resume();
      next();
      return;
    }
    const parts: Buffer[] = [];
    let kept = 0;
    stream.on('data', (data: unknown) => {
      if (!Buffer.isBuffer(data) || this.failure) return;
      try {
        // The bytes that actually come, not the size the header declares.
        this.guard.addUnpacked(data.length);
      } catch (err) {
        this.fail((err as Error).message);
        return;
      }
      if (!wanted || kept >= MAX_WANTED_ENTRY_BYTES) return;
      const part = Buffer.from(data.subarray(0, MAX_WANTED_ENTRY_BYTES - kept));
      parts.push(part);
      kept += part.length;
    });
    stream.on('end', () => {
      if (wanted) this.sink.content(header.name, Buffer.concat(parts));
      next();
    });
  }

  private onUnpacked(data: Buffer): void {
    if (this.failure) return;
    this.unpacked += data.length;
    try {
      this.guard.checkRatio(null, this.unpacked, this.packed);
    } catch (err) {
      this.fail((err as Error).message);
      return;
    }
    if (this.head) {
      this.head.push(data);
      this.headBytes += data.length;
      if (this.headBytes < TAR_MAGIC_END) return;
      this.releaseHead();
      return;
    }
    this.toExtract(data);
  }

  private onUnpackedEnd(): void {
    if (this.failure) return;
    if (this.head) this.releaseHead();
    if (!this.failure) this.extract.end(undefined); // streamx's typings want an argument
  }

  private releaseHead(): void {
    const head = Buffer.concat(this.head ?? []);
    this.head = null;
    if (!looksLikeTar(head)) {
      this.fail('not a zip or tar.gz archive: gzip data without a tar archive inside');
      return;
    }
    this.toExtract(head);
  }

  private toExtract(data: Buffer): void {
    if (!this.extract.write(data) && this.gunzip) {
      const gunzip = this.gunzip;
      gunzip.pause();
      this.extract.once('drain', () => {
        gunzip.resume();
      });
    }
  }

  private fail(reason: string): void {
    if (this.failure) return;
    this.failure = new ArchiveRejection(reason);
    this.rejectFailed(this.failure);
    this.destroy();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

/** Resolves on 'drain' (Node or streamx writable); never hangs past a failure, which `failed` covers. */
function onceDrained(target: { once(event: 'drain', listener: () => void): unknown }): Promise<void> {
  return new Promise<void>((resolve) => target.once('drain', () => resolve()));
}
