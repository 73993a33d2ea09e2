/*
 * Zip records written field by field for the test writers. Deliberately not built on the readers'
 * zip-records.ts: a writer that shared the readers' notion of the format could not catch their mistakes.
 */

/** What a test writer sets in an entry's local and central headers. */
export interface ZipHeaderFields {
  name: Buffer;
  /** General purpose flags: 0x800 (UTF-8 name), plus 0x8 when a data descriptor follows the data. */
  flags: number;
  /** 0 stored, 8 deflated. */
  method: number;
  /** MS-DOS time and date; 0 when not set. */
  time?: number;
  date?: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** The extra field of this header (a zip64 one); none by default. */
  extra?: Buffer;
}

/** A local header and the entry's name; its data follows. */
export function localHeader(fields: ZipHeaderFields): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4); // version needed: 2.0
  writeEntryFields(header, 6, fields);
  return Buffer.concat([header, fields.name, fields.extra ?? Buffer.alloc(0)]);
}

/**
 * A central directory header and the entry's name. `unixMode` (with type bits: 0o100644, 0o120777
 * for a symlink) marks the entry as made on Unix; without it the entry is a DOS one.
 */
export function centralHeader(fields: ZipHeaderFields & { offset: number; unixMode?: number }): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(fields.unixMode === undefined ? 20 : (3 << 8) | 20, 4); // version made by: host, 2.0
  header.writeUInt16LE(20, 6); // version needed: 2.0
  writeEntryFields(header, 8, fields);
  header.writeUInt32LE(fields.unixMode === undefined ? 0 : (fields.unixMode << 16) >>> 0, 38);
  header.writeUInt32LE(fields.offset, 42);
  return Buffer.concat([header, fields.name, fields.extra ?? Buffer.alloc(0)]);
}

/** Flags to extra field length: the same fields in the same order in both headers, from byte 6 of a local one and 8 of a central one. */
function writeEntryFields(header: Buffer, at: number, fields: ZipHeaderFields): void {
  header.writeUInt16LE(fields.flags, at);
  header.writeUInt16LE(fields.method, at + 2);
  header.writeUInt16LE(fields.time ?? 0, at + 4);
  header.writeUInt16LE(fields.date ?? 0, at + 6);
  header.writeUInt32LE(fields.crc, at + 8);
  header.writeUInt32LE(fields.compressedSize, at + 12);
  header.writeUInt32LE(fields.size, at + 16);
  header.writeUInt16LE(fields.name.length, at + 20);
  header.writeUInt16LE(fields.extra?.length ?? 0, at + 22);
}

/** The end of central directory record: `count` entries in `size` bytes of directory at `offset`, then the comment. */
export function endOfCentralDirectory(count: number, size: number, offset: number, comment = Buffer.alloc(0)): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([end, comment]);
}
