import { crc32, deflateRawSync } from 'node:zlib';

import { centralHeader, endOfCentralDirectory, localHeader } from './zip-headers';

export interface ZipFixtureEntry {
  name: string;
  content?: Buffer | string;
  /** Unix mode with type bits (0o100644, 0o120777 for a symlink whose content is the target); none for a DOS entry. */
  unixMode?: number;
  deflate?: boolean;
}

/** UTF-8 names. */
const FLAGS = 0x800;
const DATE_2024_01_01 = 0x5821;
const TIME_12_00_00 = 0x6000;

/**
 * A zip written byte by byte for tests: any entry name (including unsafe ones no zip tool
 * would write), stored or deflated, with or without Unix modes. Not for production use.
 */
export function buildZip(entries: readonly ZipFixtureEntry[], options: { dosTime?: number; comment?: string } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = Buffer.from(entry.content ?? '');
    const packed = entry.deflate ? deflateRawSync(data) : data;
    const fields = {
      name: Buffer.from(entry.name, 'utf8'),
      flags: FLAGS,
      method: entry.deflate ? 8 : 0,
      time: options.dosTime ?? TIME_12_00_00,
      date: DATE_2024_01_01,
      crc: crc32(data),
      compressedSize: packed.length,
      size: data.length,
    };
    const local = localHeader(fields);
    locals.push(local, packed);
    centrals.push(centralHeader({ ...fields, unixMode: entry.unixMode, offset }));
    offset += local.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const comment = Buffer.from(options.comment ?? '', 'latin1');
  return Buffer.concat([...locals, directory, endOfCentralDirectory(entries.length, directory.length, offset, comment)]);
}
