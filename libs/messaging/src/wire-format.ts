import { ErrorCode, ServiceError } from '@stagecraft/contracts';

// The body of every reply on the wire is `{ data }` or `{ error: { code, message, field? } }`
// (ErrorBody). Requests are the bare JSON payload; correlation id and token travel in headers.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value ?? null));
}

export function decodeJson(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return null;
  return JSON.parse(decoder.decode(bytes));
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
