import { ErrorCode, ServiceError } from '@stagecraft/contracts';

// The body of every reply on the wire is `{ data }` or `{ error: { code, message, field? } }`
// (ErrorBody). Requests are the bare JSON payload; correlation id and token travel in headers.

export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value ?? null), 'utf8');
}

export function decodeJson(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return null;
  return JSON.parse(utf8Text(bytes));
}

/**
 * A message's text, as TextDecoder reads it: malformed sequences replaced, a leading byte order
 * mark skipped. Buffer's conversions (here and in encodeJson) are cheaper than TextDecoder's and
 * TextEncoder's: decoding reads the payload through a view instead of a copy, and encoding takes
 * uninitialised memory (a small message from Buffer's pool). A list page's reply (4.7 KB) is
 * encoded and decoded on every request (issue 16).
 */
export function utf8Text(bytes: Uint8Array): string {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start).toString('utf8');
}

/** Turns a reply into its data, or throws the ServiceError it carries. */
export function unwrapReply<T>(bytes: Uint8Array): T {
  let envelope: unknown;
  try {
    envelope = decodeJson(bytes);
  } catch {
    throw new ServiceError(ErrorCode.INTERNAL, 'malformed reply');
  }
  if (typeof envelope === 'object' && envelope !== null) {
    if ('error' in envelope) throw ServiceError.fromBody((envelope as { error: unknown }).error);
    if ('data' in envelope) return (envelope as { data: T }).data;
  }
  throw new ServiceError(ErrorCode.INTERNAL, 'malformed reply');
}
