/**
 * Files up to this size are hashed in the browser before they are uploaded: WebCrypto hashes a
 * whole buffer at once, so the file is held in memory while it is read.
 */
export const HASHED_UPLOAD_MAX_BYTES = 512 * 1024 * 1024;

/**
 * The file's SHA-256 in hex, declared at createPackageUpload so that the package repository
 * verifies the bytes as they arrive and completing need not read them all again. null where the
 * browser cannot tell it (no WebCrypto outside a secure context, or a larger file): the platform
 * then reads every byte itself.
 */
export async function sha256Of(file: Blob): Promise<string | null> {
  if (file.size > HASHED_UPLOAD_MAX_BYTES || !globalThis.crypto?.subtle) return null;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
