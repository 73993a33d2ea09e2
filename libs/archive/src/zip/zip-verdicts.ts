import { ArchiveRejection } from '../archive-rejection';

/*
 * What the zip readers that trust the central directory (readZipItems, scanZipDirectory) say when
 * an entry's bytes are not what the directory declares: one wording, so a package refused at
 * upload and at build reads the same.
 */

export function corruptZip(why: string): ArchiveRejection {
  return new ArchiveRejection(`corrupt zip archive: ${why}`);
}

export function unpacksPastDeclared(name: string, size: number): ArchiveRejection {
  return corruptZip(`the entry ${JSON.stringify(name)} unpacks to more than its declared ${size} bytes`);
}

export function unpacksToOtherSize(name: string, bytes: number, size: number): ArchiveRejection {
  return corruptZip(`the entry ${JSON.stringify(name)} unpacks to ${bytes} bytes, not its declared ${size}`);
}

export function failsCrc(name: string): ArchiveRejection {
  return corruptZip(`the entry ${JSON.stringify(name)} fails its CRC-32 check`);
}

export function unreadableEntry(name: string, err: Error): ArchiveRejection {
  return corruptZip(`the entry ${JSON.stringify(name)} cannot be read (${err.message})`);
}
