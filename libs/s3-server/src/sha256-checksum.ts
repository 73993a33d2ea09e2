/** The request header (or, hoisted by a presigner, query parameter) carrying an object's SHA-256. */
export const SHA256_CHECKSUM_HEADER = 'x-amz-checksum-sha256';

/**
 * The digest an `x-amz-checksum-sha256` value names, or undefined when it is not the canonical
 * base64 of exactly 32 bytes (Buffer.from alone would skip stray characters and accept any length).
 */
export function decodeSha256Checksum(value: string): Buffer | undefined {
  const digest = Buffer.from(value, 'base64');
  return digest.length === 32 && digest.toString('base64') === value ? digest : undefined;
}
