import { crc32, deflateRawSync } from 'node:zlib';

import { centralHeader, endOfCentralDirectory, localHeader } from './zip-headers';
import type { ZipFixtureEntry } from './zip-writer';

/*
 * A zip in the zip64 layout, as writers make it for archives past 4 GiB or 65,535 entries, kept
 * small: every size and offset in the headers is 0xFFFFFFFF with the real value in a zip64 extra
 * field, and the end record points on to a zip64 end record through a zip64 locator.
 */

const UTF8_NAMES = 0x800;
const UINT16_MAX = 0xffff;
const UINT32_MAX = 0xffffffff;

/** A zip64 extra field (id 1) holding `values` as 8-byte integers. */
function zip64Extra(...values: number[]): Buffer {
  const field = Buffer.alloc(4 + 8 * values.length);
  field.writeUInt16LE(0x0001, 0);
  field.writeUInt16LE(8 * values.length, 2);
  values.forEach((value, i) => field.writeBigUInt64LE(BigInt(value), 4 + 8 * i));
  return field;
}

/** Like buildZip, in the zip64 layout. Not for production use. */
export function buildZip64(entries: readonly ZipFixtureEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = Buffer.from(entry.content ?? '');
    const packed = entry.deflate ? deflateRawSync(data) : data;
    const fields = {
      name: Buffer.from(entry.name, 'utf8'),
      flags: UTF8_NAMES,
      method: entry.deflate ? 8 : 0,
      crc: crc32(data),
      compressedSize: UINT32_MAX,
      size: UINT32_MAX,
    };
    // The zip64 field holds the values its header marks 0xFFFFFFFF: size, compressed size, offset.
    const local = localHeader({ ...fields, extra: zip64Extra(data.length, packed.length) });
    const extra = zip64Extra(data.length, packed.length, offset);
    centrals.push(centralHeader({ ...fields, extra, unixMode: entry.unixMode, offset: UINT32_MAX }));
    locals.push(local, packed);
    offset += local.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const zip64EndAt = offset + directory.length;
  const zip64End = Buffer.alloc(56);
  zip64End.writeUInt32LE(0x06064b50, 0);
  zip64End.writeBigUInt64LE(BigInt(56 - 12), 4); // the record's size after this field
  zip64End.writeUInt16LE(45, 12); // version made by: 4.5
  zip64End.writeUInt16LE(45, 14); // version needed: 4.5
  zip64End.writeBigUInt64LE(BigInt(entries.length), 24);
  zip64End.writeBigUInt64LE(BigInt(entries.length), 32);
  zip64End.writeBigUInt64LE(BigInt(directory.length), 40);
  zip64End.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(zip64EndAt), 8);
  locator.writeUInt32LE(1, 16); // total disks
  const end = endOfCentralDirectory(UINT16_MAX, UINT32_MAX, UINT32_MAX);
  return Buffer.concat([...locals, directory, zip64End, locator, end]);
}
