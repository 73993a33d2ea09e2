import { open } from 'node:fs/promises';

export type PackageFormat = 'zip' | 'tar.gz' | 'tar';

const SNIFF_BYTES = 262;

/** The archive format from the first bytes (zip, gzip, or a ustar header); null for anything else. */
export async function sniffPackageFormat(file: string): Promise<PackageFormat | null> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
    return sniff(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

export function sniff(head: Buffer): PackageFormat | null {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b) {
    const kind = head.readUInt16LE(2);
    if (kind === 0x0403 || kind === 0x0605) return 'zip';
  }
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'tar.gz';
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return null;
}
