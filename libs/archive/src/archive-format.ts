import { open } from 'node:fs/promises';

/** The container formats a package may come in. */
export type ArchiveFormat = 'zip' | 'tar.gz' | 'tar';

/** A tar header has `ustar` at offset 257 (POSIX "ustar\0" and GNU "ustar  " alike). */
const TAR_MAGIC = Buffer.from('ustar', 'latin1');
const TAR_MAGIC_OFFSET = 257;
export const TAR_MAGIC_END = TAR_MAGIC_OFFSET + TAR_MAGIC.length;
/** Bytes needed to tell every supported format apart. */
export const SNIFF_BYTES = TAR_MAGIC_END;

export function looksLikeTar(head: Buffer): boolean {
  return head.length >= TAR_MAGIC_END && head.subarray(TAR_MAGIC_OFFSET, TAR_MAGIC_END).equals(TAR_MAGIC);
}

/**
 * The container format from the first bytes: PK\x03\x04 (a zip with entries) or PK\x05\x06 (an
 * empty zip), 1f 8b 08 (gzip, deflate; a tar is expected inside), or a tar header. Null for
 * anything else. A gzip without a tar inside is found out later, when it is unpacked.
 */
export function sniffArchiveFormat(head: Buffer): ArchiveFormat | null {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b) {
    const kind = head.readUInt16LE(2);
    if (kind === 0x0403 || kind === 0x0605) return 'zip';
  }
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'tar.gz';
  if (looksLikeTar(head)) return 'tar';
  return null;
}

/** The format of the archive in `file`, from its first SNIFF_BYTES bytes. */
export async function sniffArchiveFile(file: string): Promise<ArchiveFormat | null> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
    return sniffArchiveFormat(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
