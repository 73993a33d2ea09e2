import { crc32, inflateRawSync } from 'node:zlib';

import type { ArchiveGuard } from '../archive-guard';
import { type ArchiveEntrySink, type ArchiveReader, MAX_WANTED_ENTRY_BYTES } from '../archive-reader';
import { ArchiveRejection } from '../archive-rejection';
import { quotedName } from '../entry-name';
import { TopFolderTracker } from '../top-folder';
import { EntryInflater } from './entry-inflater';
import { LocalEntryLedger } from './local-entry-ledger';
import {
  CENTRAL_HEADER_BYTES,
  centralHeaderBytesBeforeComment,
  END_OF_CENTRAL_DIRECTORY_BYTES,
  entryName,
  findExtraField,
  FLAG_DATA_DESCRIPTOR,
  FLAG_ENCRYPTED,
  LOCAL_HEADER_BYTES,
  METHOD_DEFLATED,
  METHOD_STORED,
  readCentralHeader,
  toSafeNumber,
  UINT32_MAX,
  ZIP_SIGNATURE,
  ZIP64_EXTRA_ID,
} from './zip-records';

/*
 * A zip read front to back in one pass, from its local headers, then its central directory as
 * it streams by, so nothing has to be buffered or seeked.
 *
 * Why not unzipper's `Parse`: for entries with a data descriptor (flag bit 3: sizes unknown in the
 * local header, which is how `jar`, Java's ZipOutputStream, Python's zipfile on a pipe and `zip -`
 * write) it finds the end of the entry by searching the raw bytes for the descriptor signature
 * PK\x07\x08. Stored data that contains those four bytes, or deflated data that carries them in a
 * stored deflate block (any incompressible file holding them), ends the entry early and the parse
 * fails with "invalid signature" (both reproduced with unzipper 0.12.5 on zips written by Python's
 * zipfile). It also reads every descriptor as 16 bytes, which breaks on zip64 descriptors.
 * Here a deflated entry of unknown size ends where zlib says its deflate stream ends, and a stored
 * one ends at a descriptor whose sizes match the bytes actually seen.
 *
 * Every entry is inflated (its bytes counted by the shared ArchiveGuard, then dropped unless the
 * sink wants them), and every local entry is recorded in a LocalEntryLedger. The central
 * directory is then read, not walked over: the ledger checks each of its entries against the local
 * entry it names, so what an extractor that trusts the central directory unpacks is exactly what
 * was counted here.
 */

const DESCRIPTOR_SIGNATURE_BYTES = Buffer.from([0x50, 0x4b, 0x07, 0x08]);
const EMPTY = Buffer.alloc(0);
/** Entries that inflate to at most this much in one go are inflated synchronously (see inflateAtOnce). */
const MAX_SYNC_INFLATE_BYTES = 1024 * 1024;

interface ZipEntry {
  path: string;
  offset: number;
  nameCrc: number;
  nameLength: number;
  /** Compressed size from the local header (no descriptor), for the record. */
  declaredCompressed: number | null;
  /** Data start, and unpacked bytes counted so far. */
  dataStart: number;
  unpacked: number;
  /** First bytes, kept while the entry is small enough to be a symlink target. */
  head: Buffer[];
  headBytes: number;
  /** Unpacked bytes already reported to the guard. */
  counted: number;
  /** The clean path (null: skipped, e.g. __MACOSX). */
  safePath: string | null;
  method: number;
  hasDescriptor: boolean;
  /** The local header carried a zip64 extra field, so a descriptor has 8-byte sizes. */
  zip64: boolean;
  wanted: boolean;
  content: Buffer[];
  contentBytes: number;
}

type State =
  | { kind: 'signature' }
  | { kind: 'skip'; remaining: number; next: State }
  | { kind: 'stored'; entry: ZipEntry; remaining: number }
  | { kind: 'stored-until-descriptor'; entry: ZipEntry; length: number }
  | { kind: 'inflate'; entry: ZipEntry; inflater: EntryInflater | null; remaining: number | null }
  | { kind: 'descriptor'; entry: ZipEntry; compressedSize: number; uncompressedSize: number | null }
  | { kind: 'done' };

export class ZipStreamReader implements ArchiveReader {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Archive offset of buf[pos], for messages. */
  private offset = 0;
  private state: State = { kind: 'signature' };
  private ended = false;
  private destroyed = false;
  private readonly ledger: LocalEntryLedger;
  private readonly top = new TopFolderTracker();

  constructor(
    private readonly sink: ArchiveEntrySink,
    private readonly guard: ArchiveGuard,
  ) {
    this.ledger = new LocalEntryLedger(guard);
  }

  async write(chunk: Buffer): Promise<void> {
    // Leftovers are at most one local header (<= 128 KiB) or a few descriptor bytes: a small copy.
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
    await this.drive();
  }

  async end(): Promise<void> {
    this.ended = true;
    await this.drive();
    if (this.state.kind !== 'done') {
      throw new ArchiveRejection(`corrupt or truncated zip archive: it ends ${this.where()}`);
    }
  }

  destroy(): void {
    this.destroyed = true;
    if (this.state.kind === 'inflate') this.state.inflater?.destroy();
    this.buf = EMPTY;
    this.pos = 0;
  }

  private get available(): number {
    return this.buf.length - this.pos;
  }

  private advance(bytes: number): void {
    this.pos += bytes;
    this.offset += bytes;
  }

  private where(): string {
    const s = this.state;
    if (s.kind === 'signature') return `at byte ${this.offset}, before its end of central directory record`;
    if ('entry' in s) return `inside the entry ${s.entry.path}`;
    return `at byte ${this.offset}`;
  }

  private async drive(): Promise<void> {
    while (!this.destroyed && (await this.step())) {
      // each step consumes what it can; false means it needs more bytes
    }
  }

  /** One parser step; false when more input is needed. */
  private async step(): Promise<boolean> {
    const s = this.state;
    switch (s.kind) {
      case 'signature':
        return this.readRecord();
      case 'skip': {
        const n = Math.min(s.remaining, this.available);
        this.advance(n);
        if (n === s.remaining) this.state = s.next;
        else s.remaining -= n;
        return n > 0 || this.state !== s;
      }
      case 'stored': {
        const n = Math.min(s.remaining, this.available);
        this.collect(s.entry, this.buf.subarray(this.pos, this.pos + n));
        this.account(s.entry, s.entry.unpacked);
        this.advance(n);
        s.remaining -= n;
        if (s.remaining === 0) this.finishEntry(s.entry, { kind: 'signature' });
        return n > 0 || s.remaining === 0;
      }
      case 'stored-until-descriptor':
        return this.scanForDescriptor(s);
      case 'inflate':
        return this.inflate(s);
      case 'descriptor':
        return this.readDescriptor(s);
      case 'done':
        // Bytes after the end record (some writers pad) are not part of the archive.
        this.advance(this.available);
        return false;
    }
  }

  private readRecord(): boolean {
    if (this.available < 4) return false;
    const b = this.buf;
    const p = this.pos;
    const signature = b.readUInt32LE(p);
    switch (signature) {
      case ZIP_SIGNATURE.LOCAL_HEADER:
        return this.readLocalHeader();
      case ZIP_SIGNATURE.CENTRAL_HEADER:
        return this.readCentralHeader();
      case ZIP_SIGNATURE.END_OF_CENTRAL_DIRECTORY: {
        if (this.available < END_OF_CENTRAL_DIRECTORY_BYTES) return false;
        this.ledger.finish(this.offset, this.top.folder);
        const commentLength = b.readUInt16LE(p + 20);
        this.state = { kind: 'skip', remaining: END_OF_CENTRAL_DIRECTORY_BYTES + commentLength, next: { kind: 'done' } };
        return true;
      }
      case ZIP_SIGNATURE.ZIP64_END_OF_CENTRAL_DIRECTORY: {
        if (this.available < 12) return false;
        this.ledger.finish(this.offset, this.top.folder);
        this.state = { kind: 'skip', remaining: 12 + this.readUInt64(p + 4), next: { kind: 'signature' } };
        return true;
      }
      case ZIP_SIGNATURE.ZIP64_LOCATOR:
        this.state = { kind: 'skip', remaining: 20, next: { kind: 'signature' } };
        return true;
      case ZIP_SIGNATURE.DIGITAL_SIGNATURE: {
        if (this.available < 6) return false;
        this.state = { kind: 'skip', remaining: 6 + b.readUInt16LE(p + 4), next: { kind: 'signature' } };
        return true;
      }
      case ZIP_SIGNATURE.ARCHIVE_EXTRA_DATA: {
        if (this.available < 8) return false;
        this.state = { kind: 'skip', remaining: 8 + b.readUInt32LE(p + 4), next: { kind: 'signature' } };
        return true;
      }
      default:
        throw new ArchiveRejection(
          `corrupt zip archive: unexpected bytes at byte ${this.offset} (0x${signature.toString(16).padStart(8, '0')} is no zip record)`,
        );
    }
  }

  private readLocalHeader(): boolean {
    if (this.available < LOCAL_HEADER_BYTES) return false;
    const b = this.buf;
    const p = this.pos;
    const nameLength = b.readUInt16LE(p + 26);
    const extraLength = b.readUInt16LE(p + 28);
    if (this.available < LOCAL_HEADER_BYTES + nameLength + extraLength) return false;

    const flags = b.readUInt16LE(p + 6);
    const method = b.readUInt16LE(p + 8);
    let compressedSize = b.readUInt32LE(p + 18);
    let uncompressedSize = b.readUInt32LE(p + 22);
    const nameStart = p + LOCAL_HEADER_BYTES;
    const path = entryName(b.subarray(nameStart, nameStart + nameLength), flags);
    if (this.ledger.directoryStarted) {
      throw new ArchiveRejection(`corrupt zip archive: the entry ${JSON.stringify(path)} comes after the central directory`);
    }
    const offset = this.offset;
    const nameCrc = crc32(b.subarray(nameStart, nameStart + nameLength));
    const safePath = this.guard.entry(path, path.endsWith('/') ? 'directory' : 'file');
    if (safePath !== null) this.top.add(safePath, path.endsWith('/'));
    const extra = b.subarray(nameStart + nameLength, nameStart + nameLength + extraLength);
    const zip64 = findExtraField(extra, ZIP64_EXTRA_ID);
    if (zip64) {
      // The zip64 field holds, in this order, only the sizes the header marks as 0xFFFFFFFF.
      let at = 0;
      if (uncompressedSize === UINT32_MAX && zip64.length >= at + 8) {
        uncompressedSize = toSafeNumber(zip64.readBigUInt64LE(at), quotedName(path));
        at += 8;
      }
      if (compressedSize === UINT32_MAX && zip64.length >= at + 8) {
        compressedSize = toSafeNumber(zip64.readBigUInt64LE(at), quotedName(path));
      }
    }
    this.advance(LOCAL_HEADER_BYTES + nameLength + extraLength);

    const entry: ZipEntry = {
      path,
      offset,
      nameCrc,
      nameLength,
      declaredCompressed: (flags & FLAG_DATA_DESCRIPTOR) === 0 ? compressedSize : null,
      dataStart: this.offset,
      unpacked: 0,
      head: [],
      headBytes: 0,
      counted: 0,
      safePath,
      method,
      hasDescriptor: (flags & FLAG_DATA_DESCRIPTOR) !== 0,
      zip64: zip64 !== null,
      wanted: false,
      content: [],
      contentBytes: 0,
    };
    entry.wanted = this.sink.entry(path, path.endsWith('/'));
    const encrypted = (flags & FLAG_ENCRYPTED) !== 0;

    if (entry.hasDescriptor) {
      // The header's sizes are not to be trusted (the spec has them zero); the data itself says where it ends.
      if (encrypted) throw this.unreadable(entry, 'it is encrypted and its size is only in a data descriptor');
      if (method === METHOD_DEFLATED) {
        this.state = { kind: 'inflate', entry, inflater: null, remaining: null };
      } else if (method === METHOD_STORED) {
        this.state = { kind: 'stored-until-descriptor', entry, length: 0 };
      } else {
        throw this.unreadable(entry, `compression method ${method} with a data descriptor cannot be read in one pass`);
      }
      return true;
    }

    if (encrypted) {
      throw this.unreadable(entry, 'it is encrypted');
    } else if (method === METHOD_STORED) {
      this.state = { kind: 'stored', entry, remaining: compressedSize };
    } else if (method === METHOD_DEFLATED) {
      this.state = { kind: 'inflate', entry, inflater: this.newInflater(entry), remaining: compressedSize };
    } else {
      throw this.unreadable(entry, `compression method ${method} is not supported`);
    }
    return true;
  }

  private async inflate(s: Extract<State, { kind: 'inflate' }>): Promise<boolean> {
    if (s.inflater === null && s.remaining === null) {
      if (this.available === 0) return false;
      if (this.inflateAtOnce(s.entry)) return true;
    }
    const inflater = (s.inflater ??= this.newInflater(s.entry));
    if (s.remaining === 0) {
      // Known size, all compressed bytes written: let zlib flush the rest (it fails on a cut stream).
      await this.zlibGuard(s.entry, inflater.finish());
      this.account(s.entry, inflater.inputBytes);
      this.finishEntry(s.entry, { kind: 'signature' });
      return true;
    }
    if (this.available === 0) return false;
    // At most 64 KiB per write: what one write may inflate to before it is counted stays bounded.
    const slice = this.buf.subarray(this.pos, this.pos + Math.min(this.available, s.remaining ?? Infinity, 64 * 1024));
    const used = await this.zlibGuard(s.entry, inflater.write(slice));
    this.account(s.entry, inflater.inputBytes);
    this.advance(used);
    const streamEnded = used < slice.length;

    if (s.remaining === null) {
      if (!streamEnded) return true;
      // zlib stopped taking input: the deflate stream ended there, and the descriptor follows.
      await this.zlibGuard(s.entry, inflater.drained());
      this.account(s.entry, inflater.inputBytes);
      this.finishEntry(s.entry, {
        kind: 'descriptor',
        entry: s.entry,
        compressedSize: inflater.inputBytes,
        uncompressedSize: inflater.outputBytes,
      });
      return true;
    }

    s.remaining -= used;
    if (streamEnded) {
      // The deflate stream ended before the declared compressed size: skip what is left of it.
      inflater.destroy();
      this.finishEntry(s.entry, { kind: 'skip', remaining: s.remaining, next: { kind: 'signature' } });
    }
    return true;
  }

  /**
   * Most entries of a jar are small and lie whole in the bytes at hand: inflating them in one
   * synchronous call costs a few microseconds, where a trip through a zlib stream and the thread
   * pool costs ~80. The sync call reports how many input bytes the deflate stream used. It fails
   * when the stream goes on past these bytes, or would inflate to more than 1 MiB; then the entry
   * is streamed instead, so the work thrown away is bounded by one chunk and 1 MiB.
   */
  private inflateAtOnce(entry: ZipEntry): boolean {
    let result: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      const info = { info: true, maxOutputLength: MAX_SYNC_INFLATE_BYTES } as const;
      result = inflateRawSync(this.buf.subarray(this.pos), info) as unknown as typeof result;
    } catch {
      return false;
    }
    const used = result.engine.bytesWritten;
    this.collect(entry, result.buffer);
    this.account(entry, used);
    this.advance(used);
    this.finishEntry(entry, { kind: 'descriptor', entry, compressedSize: used, uncompressedSize: result.buffer.length });
    return true;
  }

  /** Stored data of unknown size ends at a descriptor whose sizes equal the bytes seen so far. */
  private scanForDescriptor(s: Extract<State, { kind: 'stored-until-descriptor' }>): boolean {
    const sizeBytes = s.entry.zip64 ? 8 : 4;
    const descriptorBytes = 4 + 4 + 2 * sizeBytes;
    let from = this.pos;
    for (;;) {
      const at = this.buf.indexOf(DESCRIPTOR_SIGNATURE_BYTES, from);
      if (at === -1) {
        // Keep a tail that could be the start of a signature split across chunks.
        const keep = this.ended ? 0 : partialSignatureTail(this.buf, this.pos);
        const n = this.available - keep;
        this.consumeStored(s, n);
        return false;
      }
      if (this.buf.length - at < descriptorBytes) {
        if (this.ended) {
          from = at + 1;
          continue;
        }
        this.consumeStored(s, at - this.pos);
        return false;
      }
      const length = s.length + (at - this.pos);
      const compressed = sizeBytes === 8 ? this.readUInt64(at + 8) : this.buf.readUInt32LE(at + 8);
      const uncompressed = sizeBytes === 8 ? this.readUInt64(at + 16) : this.buf.readUInt32LE(at + 8 + sizeBytes);
      if (compressed === length && uncompressed === length) {
        this.consumeStored(s, at - this.pos);
        this.finishEntry(s.entry, { kind: 'descriptor', entry: s.entry, compressedSize: length, uncompressedSize: length });
        return true;
      }
      from = at + 1;
    }
  }

  private consumeStored(s: Extract<State, { kind: 'stored-until-descriptor' }>, bytes: number): void {
    if (bytes <= 0) return;
    this.collect(s.entry, this.buf.subarray(this.pos, this.pos + bytes));
    this.account(s.entry, s.entry.unpacked);
    this.advance(bytes);
    s.length += bytes;
  }

  /**
   * A descriptor is [signature] crc32 compressed uncompressed, with 4- or (zip64) 8-byte sizes;
   * the signature is optional. The layout whose sizes match what was read is the one used.
   */
  private readDescriptor(s: Extract<State, { kind: 'descriptor' }>): boolean {
    // Wait for the longest layout (24 bytes); an end record (22 bytes) always follows in a whole zip.
    if (this.available < 24 && !this.ended) return false;
    const wide = s.entry.zip64 || s.compressedSize > UINT32_MAX || (s.uncompressedSize ?? 0) > UINT32_MAX;
    const layouts = [
      { signature: true, wide },
      { signature: false, wide },
      { signature: true, wide: !wide },
      { signature: false, wide: !wide },
    ];
    for (const layout of layouts) {
      const start = layout.signature ? 4 : 0;
      const sizeBytes = layout.wide ? 8 : 4;
      const length = start + 4 + 2 * sizeBytes;
      if (this.available < length) continue;
      const p = this.pos;
      if (layout.signature && this.buf.readUInt32LE(p) !== ZIP_SIGNATURE.DATA_DESCRIPTOR) continue;
      const read = (at: number) => (layout.wide ? this.readUInt64(at) : this.buf.readUInt32LE(at));
      const compressed = read(p + start + 4);
      const uncompressed = read(p + start + 4 + sizeBytes);
      if (compressed === s.compressedSize && (s.uncompressedSize === null || uncompressed === s.uncompressedSize)) {
        this.advance(length);
        this.state = { kind: 'signature' };
        return true;
      }
    }
    throw new ArchiveRejection(`corrupt zip archive: the data descriptor of ${s.entry.path} does not match its data`);
  }

  private newInflater(entry: ZipEntry): EntryInflater {
    return new EntryInflater((data) => this.collect(entry, data));
  }

  /** Every unpacked byte passes here (also from zlib's 'data' events, so it must not throw). */
  private collect(entry: ZipEntry, data: Buffer): void {
    if (data.length === 0) return;
    entry.unpacked += data.length;
    const small = this.guard.limits.maxPathBytes;
    if (entry.headBytes <= small) {
      entry.headBytes += data.length;
      if (entry.headBytes <= small) entry.head.push(Buffer.from(data));
      else entry.head = [];
    }
    if (!entry.wanted || entry.contentBytes >= MAX_WANTED_ENTRY_BYTES || data.length === 0) return;
    // A copy, so a kept slice never pins a large source chunk.
    const part = Buffer.from(data.subarray(0, MAX_WANTED_ENTRY_BYTES - entry.contentBytes));
    entry.content.push(part);
    entry.contentBytes += part.length;
  }

  /** Reports what the entry unpacked since the last call; the guard throws past a limit. */
  private account(entry: ZipEntry, packed: number): void {
    this.guard.addUnpacked(entry.unpacked - entry.counted);
    entry.counted = entry.unpacked;
    this.guard.checkRatio(entry.path, entry.unpacked, packed);
  }

  private finishEntry(entry: ZipEntry, next: State): void {
    if (entry.wanted) this.sink.content(entry.path, Buffer.concat(entry.content));
    entry.content = [];
    const compressedSize = entry.declaredCompressed ?? this.offset - entry.dataStart;
    this.ledger.record({
      path: entry.path,
      safePath: entry.safePath,
      nameCrc: entry.nameCrc,
      nameLength: entry.nameLength,
      offset: entry.offset,
      end: entry.dataStart + compressedSize,
      compressedSize,
      size: entry.unpacked,
      head: entry.head,
      headBytes: entry.headBytes,
    });
    entry.head = [];
    this.state = next;
  }

  /** One entry of the central directory: the ledger checks it against the local entry it names. */
  private readCentralHeader(): boolean {
    if (this.available < CENTRAL_HEADER_BYTES) return false;
    if (this.available < centralHeaderBytesBeforeComment(this.buf, this.pos)) return false;
    const header = readCentralHeader(this.buf, this.pos);
    this.ledger.claim(header, this.offset);
    this.state = { kind: 'skip', remaining: header.recordBytes, next: { kind: 'signature' } };
    return true;
  }

  private async zlibGuard<T>(entry: ZipEntry, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      throw new ArchiveRejection(`corrupt zip archive: ${entry.path} has invalid deflate data (${(err as Error).message})`);
    }
  }

  private unreadable(entry: ZipEntry, why: string): ArchiveRejection {
    return new ArchiveRejection(`unsupported zip archive: cannot read ${entry.path}: ${why}`);
  }

  private readUInt64(at: number): number {
    return toSafeNumber(this.buf.readBigUInt64LE(at), `the record at byte ${this.offset}`);
  }
}

/** How many bytes at the end of buf[from..] could begin a descriptor signature (0–3). */
function partialSignatureTail(buf: Buffer, from: number): number {
  for (let keep = Math.min(3, buf.length - from); keep > 0; keep--) {
    if (buf.subarray(buf.length - keep).equals(DESCRIPTOR_SIGNATURE_BYTES.subarray(0, keep))) return keep;
  }
  return 0;
}
