import { ArchiveRejection } from '../archive-rejection';
import { quotedName } from '../entry-name';

/*
 * The zip records (APPNOTE.TXT) both zip readers parse: the streaming one front to back, the
 * central-directory one from the end. One description, so the two cannot read a header differently.
 */

export const ZIP_SIGNATURE = {
  LOCAL_HEADER: 0x04034b50,
  CENTRAL_HEADER: 0x02014b50,
  END_OF_CENTRAL_DIRECTORY: 0x06054b50,
  ZIP64_END_OF_CENTRAL_DIRECTORY: 0x06064b50,
  ZIP64_LOCATOR: 0x07064b50,
  DATA_DESCRIPTOR: 0x08074b50,
  DIGITAL_SIGNATURE: 0x05054b50,
  ARCHIVE_EXTRA_DATA: 0x08064b50,
} as const;

export const LOCAL_HEADER_BYTES = 30;
export const CENTRAL_HEADER_BYTES = 46;
export const END_OF_CENTRAL_DIRECTORY_BYTES = 22;

export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DATA_DESCRIPTOR = 0x0008;
export const FLAG_UTF8 = 0x0800;
export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;
export const ZIP64_EXTRA_ID = 0x0001;
/** A 16- or 32-bit field at its maximum means "the real value is in the zip64 record or field". */
export const UINT16_MAX = 0xffff;
export const UINT32_MAX = 0xffffffff;

/** Unix file type bits of a mode (`st_mode & S_IFMT`), as the external attributes carry them. */
export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
/** Hosts ("version made by", high byte) whose external attributes hold a Unix mode in their upper 16 bits. */
const HOST_UNIX = 3;
const HOST_MACOS = 19;

/** One central directory header, zip64 values applied. */
export interface CentralHeader {
  name: string;
  /** The name as stored: a view into the parsed buffer. */
  nameBytes: Buffer;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Where the entry's local header starts. */
  offset: number;
  /** The Unix mode with its type bits, when a Unix or macOS host set one; null otherwise. */
  unixMode: number | null;
  /** The header's whole length: fixed part, name, extra field and comment. */
  recordBytes: number;
}

/** Bytes from the start of the central header at `at` to its comment: what readCentralHeader needs. */
export function centralHeaderBytesBeforeComment(buf: Buffer, at: number): number {
  return CENTRAL_HEADER_BYTES + buf.readUInt16LE(at + 28) + buf.readUInt16LE(at + 30);
}

/** Parses the central header at `at`; its fixed part, name and extra field must be in `buf`. */
export function readCentralHeader(buf: Buffer, at: number): CentralHeader {
  const madeBy = buf.readUInt16LE(at + 4) >> 8;
  const flags = buf.readUInt16LE(at + 8);
  const nameLength = buf.readUInt16LE(at + 28);
  const extraLength = buf.readUInt16LE(at + 30);
  const commentLength = buf.readUInt16LE(at + 32);
  const external = buf.readUInt32LE(at + 38);
  const nameStart = at + CENTRAL_HEADER_BYTES;
  const nameBytes = buf.subarray(nameStart, nameStart + nameLength);
  const header: CentralHeader = {
    name: entryName(nameBytes, flags),
    nameBytes,
    flags,
    method: buf.readUInt16LE(at + 10),
    crc: buf.readUInt32LE(at + 16),
    compressedSize: buf.readUInt32LE(at + 20),
    size: buf.readUInt32LE(at + 24),
    offset: buf.readUInt32LE(at + 42),
    unixMode: madeBy === HOST_UNIX || madeBy === HOST_MACOS ? external >>> 16 || null : null,
    recordBytes: CENTRAL_HEADER_BYTES + nameLength + extraLength + commentLength,
  };
  const zip64 = findExtraField(buf.subarray(nameStart + nameLength, nameStart + nameLength + extraLength), ZIP64_EXTRA_ID);
  if (zip64) applyZip64(header, zip64);
  return header;
}

/** An entry name: UTF-8 when flag bit 11 says so, otherwise (CP437 by the spec) read as latin1. */
export function entryName(nameBytes: Buffer, flags: number): string {
  return nameBytes.toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1');
}

/** The zip64 extra field holds, in this order, only the values the header marks as 0xFFFFFFFF. */
function applyZip64(header: CentralHeader, field: Buffer): void {
  let at = 0;
  const next = () => {
    if (at + 8 > field.length)
      throw new ArchiveRejection(`corrupt zip archive: the zip64 field of ${quotedName(header.name)} is short`);
    const value = toSafeNumber(field.readBigUInt64LE(at), quotedName(header.name));
    at += 8;
    return value;
  };
  if (header.size === UINT32_MAX) header.size = next();
  if (header.compressedSize === UINT32_MAX) header.compressedSize = next();
  if (header.offset === UINT32_MAX) header.offset = next();
}

/** The data of the first extra field with this id (cut at the end of `extra`), or null. */
export function findExtraField(extra: Buffer, id: number): Buffer | null {
  let at = 0;
  while (at + 4 <= extra.length) {
    const fieldId = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (fieldId === id) return extra.subarray(at + 4, Math.min(extra.length, at + 4 + size));
    at += 4 + size;
  }
  return null;
}

/** A 64-bit size or offset as a number; `what` names the record or entry for the message. */
export function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ArchiveRejection(`corrupt zip archive: a size or offset in ${what} is out of range`);
  }
  return Number(value);
}
